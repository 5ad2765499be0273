// The HTTP/1.1 server: listens on HOST:PORT, reads requests with a pool of
// I/O threads, routes them, writes responses, keeps connections alive.
//
//   http::Router router;
//   router.add("GET", "/hello", [](http::Request&) { return http::Response::text(200, "hi"); });
//   http::Server server{std::move(router), {.port = 0}};
//   server.start();                 // throws std::system_error if it cannot listen
//   ... server.port() ...           // the bound port (useful with port 0)
//   server.stop();                  // finishes requests in flight, then returns
//
// The server adds two routes of its own: GET /healthz (public) and GET /metrics.
// Limits (all per connection): header bytes → 431, body bytes (per route) →
// 413, time to send the headers / the body → connection closed, so a slow
// client holds a socket, never a thread.
//
// Thread-safety: start() and stop() from one controlling thread; port() from any.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/router.h"

namespace http {

struct AccessLogEntry {
  std::string_view remote_address;
  std::string_view method;
  std::string_view target;
  std::string_view route;
  int status = 0;
  std::size_t bytes = 0;  // response body bytes
  std::chrono::nanoseconds duration{};
};

using AccessLogSink = std::function<void(const AccessLogEntry&)>;

// Writes `127.0.0.1 "GET /x?y=1" 200 42B 0.31ms route=/x` to stderr.
void log_to_stderr(const AccessLogEntry& entry);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;           // 0: any free port; see Server::port()
  unsigned threads = 0;                // 0: one per hardware thread
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;  // for routes that set none
  std::chrono::milliseconds header_timeout{15'000};  // idle keep-alive wait + request headers
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds sse_keepalive{15'000};
  std::size_t sse_queue_limit = 4 * 1024 * 1024;  // bytes a slow viewer may lag behind
  std::size_t max_connections = 10'000;  // beyond: 503 and close (event streams count too)
  AccessLogSink access_log = log_to_stderr;       // empty: no access log
};

class Server {
 public:
  Server(Router router, ServerOptions options);
  ~Server();  // stops if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens and starts the I/O threads; once only (after stop(), std::logic_error).
  void start();
  std::uint16_t port() const;
  // Stops accepting, closes idle connections and event streams, lets requests
  // in flight finish until `deadline`, then closes what is left. A handler
  // still running then is waited for (threads cannot be interrupted).
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds{10'000});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace http
