#include "http/response.h"

#include <nlohmann/json.hpp>

namespace http {

Response Response::json(int status, const nlohmann::json& body) {
  // Strings may hold what clients sent (a path in a webhook, a log line):
  // invalid UTF-8 is replaced rather than thrown after the work is done.
  return text(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

Response Response::text(int status, std::string body, std::string_view content_type) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", content_type);
  // No answer may be shown inside another site's frame (clickjacking); the
  // second header is for browsers that predate frame-ancestors.
  response.headers.set("Content-Security-Policy", "frame-ancestors 'none'");
  response.headers.set("X-Frame-Options", "DENY");
  response.body = std::move(body);
  return response;
}

Response Response::error(int status, std::string_view code, std::string_view message) {
  // Messages may echo request text: replace invalid UTF-8 rather than throw.
  const nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return text(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

Response Response::event_stream(StreamHandler on_open) {
  Response response;
  response.headers.set("Content-Type", "text/event-stream");
  response.headers.set("Cache-Control", "no-cache");
  response.stream = std::move(on_open);
  return response;
}

Response Response::streamed(int status, Headers headers, StreamHandler on_open) {
  Response response;
  response.status = status;
  response.headers = std::move(headers);
  response.headers.set("Connection", "close");
  response.stream = std::move(on_open);
  response.raw_stream = true;
  return response;
}

Response Response::later(DeferredHandler start) {
  Response response;
  response.deferred = std::move(start);
  return response;
}

}  // namespace http
