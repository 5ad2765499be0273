// Listening, the I/O thread pool, the built-in routes and graceful stop.
#include "http/server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "core/close_on_exec.h"
#include "http/server_state.h"

namespace http {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// After a failed accept (out of file descriptors, say), wait before the next
// try instead of spinning.
constexpr std::chrono::milliseconds accept_retry_delay{100};

ServerOptions with_thread_count(ServerOptions options) {
  if (options.threads == 0) options.threads = std::max(1u, std::thread::hardware_concurrency());
  return options;
}

void add_builtin_routes(detail::ServerState& state) {
  state.router.add(
      "GET", "/healthz", [](Request&) { return Response::json(200, {{"status", "ok"}}); },
      {.name = "healthz", .is_public = true});
  state.router.add(
      "GET", "/metrics",
      [&state](Request&) {
        return Response::text(200, state.metrics.render(state.gauges()), "text/plain; version=0.0.4; charset=utf-8");
      },
      {.name = "metrics"});  // not public: middleware, when used, decides who may
}

}  // namespace

void log_to_stderr(const AccessLogEntry& e) {
  const double milliseconds = std::chrono::duration<double, std::milli>(e.duration).count();
  std::fprintf(stderr, "%.*s \"%.*s %.*s\" %d %zuB %.2fms route=%.*s\n", static_cast<int>(e.remote_address.size()),
               e.remote_address.data(), static_cast<int>(e.method.size()), e.method.data(),
               static_cast<int>(e.target.size()), e.target.data(), e.status, e.bytes, milliseconds,
               static_cast<int>(e.route.size()), e.route.data());
}

struct Server::Impl {
  Impl(Router router, ServerOptions options)
      : state_owner{std::make_shared<detail::ServerState>(std::move(router), with_thread_count(std::move(options)))},
        state{*state_owner},
        acceptor{asio::make_strand(state.io)},
        retry_timer{acceptor.get_executor()} {
    add_builtin_routes(state);
  }

  // Throws std::system_error (not Boost's) so callers need no Boost headers.
  void listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(state.options.host, ec);
    if (ec) fail(ec, "bad listen address " + state.options.host);
    const tcp::endpoint endpoint{address, state.options.port};
    const std::string where = state.options.host + ":" + std::to_string(state.options.port);
    if (acceptor.open(endpoint.protocol(), ec)) fail(ec, "socket");
    core::set_close_on_exec(acceptor.native_handle());  // no agent or build may accept() on it
    if (acceptor.set_option(asio::socket_base::reuse_address(true), ec)) fail(ec, "SO_REUSEADDR");
    if (acceptor.bind(endpoint, ec)) fail(ec, "cannot bind " + where);
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) fail(ec, "cannot listen on " + where);
    port = acceptor.local_endpoint().port();
  }

  [[noreturn]] static void fail(const boost::system::error_code& ec, const std::string& what) {
    throw std::system_error{ec.value(), std::generic_category(), what};
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(state.io), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        retry_timer.expires_after(accept_retry_delay);
        retry_timer.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec) accept();
        });
        return;
      }
      core::set_close_on_exec(socket.native_handle());  // Asio accepts without SOCK_CLOEXEC
      admit(std::move(socket));
      accept();
    });
  }

  // The server's and the address's connection limits, checked before a byte
  // is read: beyond them, a short answer and close.
  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return;  // gone already; the socket closes with this scope
    if (state.open_count() >= state.connection_limit) return refuse(socket, busy_answer());
    std::string client = detail::client_of(peer.address());
    auto slot = state.clients.admit_connection(client);
    if (!slot) return refuse(socket, crowded_answer());
    socket.set_option(tcp::no_delay(true), ec);  // responses go out whole; don't wait for Nagle
    detail::serve_connection(state, std::move(socket), std::move(client), std::move(*slot));
  }

  static std::string closing_answer(int status, std::string_view reason, std::string_view message) {
    const std::string body = Response::error(status, status == 429 ? "too_many_requests" : "unavailable", message).body;
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string{reason} +
           "\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }
  static const std::string& busy_answer() {
    static const std::string answer = closing_answer(503, "Service Unavailable", "too many open connections");
    return answer;
  }
  static const std::string& crowded_answer() {
    static const std::string answer =
        closing_answer(429, "Too Many Requests", "too many open connections from this address");
    return answer;
  }

  // A fresh socket's send buffer takes the answer without blocking; then
  // close, before the client sends anything.
  static void refuse(tcp::socket& socket, const std::string& answer) {
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(answer.data(), answer.size()), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // Stops the I/O threads, closes what is left (connections past the
  // deadline) from this thread, then runs the handlers of the cancelled
  // operations here: every connection is released, its socket closed, and no
  // handler is left holding an event stream that holds the state.
  void finish_stopping() {
    state.io.stop();
    for (auto& thread : threads) thread.join();
    threads.clear();
    boost::system::error_code ignored;
    acceptor.close(ignored);
    retry_timer.cancel();
    state.abort_all();
    state.io.restart();
    state.io.run();
  }

  std::shared_ptr<detail::ServerState> state_owner;  // event streams share it
  detail::ServerState& state;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool running = false;
  bool stopped = false;  // a Server runs once: its I/O context is spent
};

Server::Server(Router router, ServerOptions options)
    : impl_{std::make_unique<Impl>(std::move(router), std::move(options))} {}

Server::~Server() { stop(); }

void Server::start() {
  if (impl_->running) return;
  if (impl_->stopped) throw std::logic_error{"a stopped http::Server cannot start again"};
  impl_->listen();
  impl_->accept();
  impl_->running = true;
  for (unsigned i = 0; i < impl_->state.options.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->state.io.run(); });
  }
}

std::uint16_t Server::port() const { return impl_->port; }

std::size_t Server::connection_limit() const { return impl_->state.connection_limit; }

void Server::stop(std::chrono::milliseconds deadline) {
  if (!impl_->running) return;
  impl_->running = false;
  impl_->stopped = true;
  const auto until = std::chrono::steady_clock::now() + deadline;
  impl_->state.stopping = true;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry_timer.cancel();
  });
  impl_->state.shut_down_all();
  impl_->state.wait_until_all_closed(until);
  impl_->finish_stopping();
}

}  // namespace http
