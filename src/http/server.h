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
// Limits (docs/http.md):
// - per connection: header bytes → 431, body bytes (per route) → 413, time to
//   send the headers → closed, time to send the body (a grace period plus its
//   length at a minimum rate) → closed; so a slow client holds a socket,
//   never a thread;
// - per client address (IPv4 address, IPv6 /64): open connections (beyond:
//   429 and close at accept), and bytes of bodies in flight from requests
//   without credentials (Router::identify_with) → 429 before the body is read;
// - per server: open connections, kept below the descriptor limit
//   (RLIMIT_NOFILE) with room for the rest of the process (beyond: 503 and
//   close at accept), and anonymous body bytes in flight → 503.
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
  std::chrono::milliseconds header_timeout{10'000};  // idle keep-alive wait + request headers
  // A body must arrive within body_timeout plus its length at body_min_rate
  // (the route's limit stands for the length of a chunked body).
  std::chrono::milliseconds body_timeout{10'000};
  std::size_t body_min_rate = 1024 * 1024;  // bytes per second
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds sse_keepalive{15'000};
  std::size_t sse_queue_limit = 4 * 1024 * 1024;  // bytes a slow viewer may lag behind
  // Open connections (event streams count too). The server takes at most its
  // descriptor limit less `reserved_descriptors` (the database, agents, logs).
  std::size_t max_connections = 10'000;
  std::size_t reserved_descriptors = 256;
  std::size_t connections_per_address = 256;
  // Body bytes being received without credentials, reserved from the
  // Content-Length (or the route's limit) before the body is read.
  std::size_t body_budget_per_address = 32 * 1024 * 1024;
  std::size_t body_budget = 256 * 1024 * 1024;
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
  // The open connections the server takes at most: max_connections, or less
  // under the process's descriptor limit. Known once started.
  std::size_t connection_limit() const;
  // Stops accepting, closes idle connections and event streams, lets requests
  // in flight finish until `deadline`, then closes what is left. A handler
  // still running then is waited for (threads cannot be interrupted).
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds{10'000});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace http
