#include "http_client/connection.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "http_client/tls_context.h"

namespace http_client::detail {

namespace {

constexpr auto kAbortPoll = std::chrono::milliseconds{100};

namespace bhttp = boost::beast::http;

std::string route_of(const Url& url, const std::optional<Proxy>& proxy) {
  const std::string origin = (url.https ? "https://[" : "http://[") + url.host + "]:" + url.port;
  return proxy ? origin + " via " + proxy->address() : origin;
}

// "connection refused"
std::string refusal(const error_code& error) {
  std::string text = error.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

bool Connection::open_to(const Url& url, const std::optional<Proxy>& proxy, const Tls& tls) const {
  const bool open = tls_ ? tls_->next_layer().is_open() : socket_.is_open();
  return open && route_ == route_of(url, proxy) && (!url.https || context_settings_ == tls);
}

void Connection::close() {
  error_code ignored;
  if (tls_) tls_->next_layer().close(ignored);
  tls_.reset();
  socket_.close(ignored);
  route_.clear();
}

void Connection::connect(const Url& url, const std::optional<Proxy>& proxy, const Tls& tls, const Bounds& bounds) {
  close();
  if (!proxy) {
    if (const error_code error = open_socket(url.host, url.port, bounds))
      throw Failure{refusal(error) + " to " + url.host + ":" + url.port};
  } else {
    if (const error_code error = open_socket(proxy->host, proxy->port, bounds))
      throw Failure{"cannot connect to proxy " + proxy->address() + ": " + refusal(error)};
    if (url.https) tunnel(url, *proxy, bounds);
  }
  if (url.https) handshake(url, tls, bounds);
  route_ = route_of(url, proxy);
}

// Throws a Failure if `host` has no address; the error of connecting to it.
// Each address is tried in turn, as asio::async_connect does, but on a
// socket made close-on-exec from the start (Asio opens its own without
// SOCK_CLOEXEC), as the agent starts git and builds from other threads.
error_code Connection::open_socket(const std::string& host, const std::string& port, const Bounds& bounds) {
  error_code error = asio::error::host_not_found;
  for (const auto& address : resolve(host, port, bounds)) {
    const tcp::endpoint endpoint = address.endpoint();
    error_code ignored;
    socket_.close(ignored);
    const int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      error = error_code{errno, boost::system::system_category()};
      continue;
    }
    if (socket_.assign(endpoint.protocol(), fd, error)) {
      ::close(fd);
      continue;
    }
    error = wait([&](auto done) { socket_.async_connect(endpoint, done); }, bounds);
    if (!error) {
      socket_.set_option(tcp::no_delay{true});
      return error;
    }
  }
  return error;
}

tcp::resolver::results_type Connection::resolve(const std::string& host, const std::string& port,
                                                 const Bounds& bounds) {
  tcp::resolver resolver{io_};
  auto done = std::make_shared<std::optional<error_code>>();
  auto found = std::make_shared<tcp::resolver::results_type>();
  resolver.async_resolve(host, port, [done, found](error_code error, tcp::resolver::results_type results) {
    *found = std::move(results);
    *done = error;
  });
  run_until_done(*done, bounds, false);
  if (**done) throw Failure{"cannot resolve " + host + ": " + (**done).message()};
  return *found;
}

// Asks the proxy on the socket for a tunnel to the origin of `url`. The
// origin speaks first only after the TLS handshake begins, so nothing of it
// is read along with the proxy's answer.
void Connection::tunnel(const Url& url, const Proxy& proxy, const Bounds& bounds) {
  bhttp::request<bhttp::empty_body> request{bhttp::verb::connect, url.authority, 11};
  request.set(bhttp::field::host, url.authority);
  if (!proxy.authorization.empty()) request.set(bhttp::field::proxy_authorization, proxy.authorization);
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // the header is all: a tunnel follows a 2xx, and any other ends the connection
  error_code error = wait([&](auto done) { bhttp::async_write(socket_, request, done); }, bounds);
  if (!error) error = wait([&](auto done) { bhttp::async_read(socket_, buffer, parser, done); }, bounds);
  const std::string asked = "proxy " + proxy.address() + " ";
  if (error) throw Failure{asked + "gave no answer to CONNECT to " + url.authority + ": " + error.message()};
  const auto& answer = parser.get();
  if (answer.result_int() / 100 != 2)
    throw Failure{asked + "refused CONNECT to " + url.authority + ": " + std::to_string(answer.result_int()) + " " +
                  std::string{answer.reason()}};
}

void Connection::handshake(const Url& url, const Tls& tls, const Bounds& bounds) {
  if (!context_ || context_settings_ != tls) {
    context_.reset();
    try {
      context_ = tls_context(tls);
    } catch (const std::runtime_error& error) {
      throw Failure{error.what()};
    }
    context_settings_ = tls;
  }
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket_), *context_);
  if (!is_ip_address(url.host)) SSL_set_tlsext_host_name(tls_->native_handle(), url.host.c_str());  // SNI
  if (!tls.insecure) tls_->set_verify_callback(asio::ssl::host_name_verification{url.host});
  const error_code shaken = wait([&](auto done) { tls_->async_handshake(asio::ssl::stream_base::client, done); }, bounds);
  if (shaken) throw Failure{"TLS handshake with " + url.host + ": " + shaken.message()};
}

void Connection::run_until_done(const std::optional<error_code>& done, const Bounds& bounds, bool on_socket) {
  io_.restart();
  while (!done) {
    const bool aborted = bounds.abort && bounds.abort();
    const auto now = Clock::now();
    if (aborted || now >= bounds.deadline) {
      // A socket's operations end at once when it closes, and must, as they
      // use the caller's buffers; a name lookup may run on, touching nothing of ours.
      close();
      while (on_socket && !done) io_.run_one();
      throw aborted ? Failure{"aborted", true} : Failure{bounds.timeout_error};
    }
    io_.run_one_until(std::min(now + kAbortPoll, bounds.deadline));
    if (io_.stopped()) io_.restart();
  }
}

}  // namespace http_client::detail
