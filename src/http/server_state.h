// Internal to src/http (it brings in Asio and Beast: include it only from this
// folder's .cpp files). What the acceptor, the connections and the event
// streams of one server share.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/client_limits.h"
#include "http/metrics.h"
#include "http/server.h"

namespace http::detail {

// A connection or event stream the server can close on stop().
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shut_down() = 0;  // graceful, from any thread
  virtual void abort() = 0;      // close now; only while no I/O thread runs
};

// Owned by the Server and shared with its event streams, which the
// application may hold after the Server is gone.
class ServerState : public std::enable_shared_from_this<ServerState> {
 public:
  ServerState(Router router, ServerOptions options);

  void track(const std::shared_ptr<Closable>& closable);
  void untrack(const Closable* closable);
  std::size_t open_count() const;
  void shut_down_all();
  void abort_all();
  // True when every tracked connection closed before `deadline`.
  bool wait_until_all_closed(std::chrono::steady_clock::time_point deadline);
  // Counts the request in the metrics and writes the access log line.
  void record(const AccessLogEntry& entry);
  Gauges gauges() const;

  const ServerOptions options;
  // max_connections, or less under the process's descriptor limit.
  const std::size_t connection_limit;
  Router router;
  Metrics metrics;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> event_streams{0};
  // Declared before `io`: connections destroyed with its handlers give their holds back.
  ClientLimits clients;

 private:
  std::vector<std::shared_ptr<Closable>> open_closables() const;

  mutable std::mutex mutex_;
  std::condition_variable all_closed_;
  std::unordered_map<const Closable*, std::weak_ptr<Closable>> open_;

 public:
  // Declared last so it is destroyed first: destroying it destroys the
  // pending handlers, and with them connections that untrack themselves.
  boost::asio::io_context io;
};

// Serves HTTP on an accepted socket until the client or the server closes it;
// `slot` is its place among its address's connections.
void serve_connection(ServerState& server, boost::asio::ip::tcp::socket socket, std::string client,
                      ClientLimits::Hold slot);

// Takes the connection over for a text/event-stream response (or, with
// `keepalive` false, a streamed body): sends `response_head` (status line
// and headers), then hands the stream to `on_open`. The stream keeps the
// connection's `slot` until it closes.
void start_event_stream(ServerState& server, boost::beast::tcp_stream stream, ClientLimits::Hold slot,
                        std::string response_head, const StreamHandler& on_open, bool keepalive = true);

}  // namespace http::detail
