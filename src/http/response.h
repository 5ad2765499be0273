// An HTTP response built by a handler: status, headers and body, or an event
// stream that takes the connection over (see event_stream.h).
// Every error the server and the API send has the body
//   {"error": {"code": "not_found", "message": "no route for GET /x"}}
// Answers with a body (text(), json(), error()) forbid framing:
// "Content-Security-Policy: frame-ancestors 'none'" and "X-Frame-Options: DENY".
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "http/event_stream.h"
#include "http/headers.h"

namespace http {

struct Response;

// Sends a deferred response; call it once, from any thread.
using Responder = std::function<void(Response)>;
using DeferredHandler = std::function<void(Responder)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  StreamHandler stream;      // set by event_stream(): the body is an SSE stream
  bool raw_stream = false;   // set by streamed(): the stream's bytes are the body, as they are
  DeferredHandler deferred;  // set by later(): the answer comes through the Responder

  // For handlers that must wait for something (a long poll): the server
  // hands `start` a Responder and holds the connection, not a thread, until
  // it is called. A Responder dropped uncalled closes the connection.
  static Response later(DeferredHandler start);
  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string_view content_type = "text/plain; charset=utf-8");
  // `code` is a stable snake_case word for programs; `message` is for people.
  static Response error(int status, std::string_view code, std::string_view message);
  static Response event_stream(StreamHandler on_open);
  // A body too large to hold, written after the head through
  // EventStream::send_bytes, a piece at a time (on_drained says when to
  // send the next). Set Content-Length in `headers` when it is known; the
  // body ends when the stream is closed, as is the connection. No
  // keep-alive comments are sent into it.
  static Response streamed(int status, Headers headers, StreamHandler on_open);
};

}  // namespace http
