#include "http_client/connection.h"

#include <openssl/ssl.h>

#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include "http_client/tls_context.h"

namespace http_client::detail {

namespace {

constexpr auto kAbortPoll = std::chrono::milliseconds{100};

std::string origin_of(const Url& url) { return (url.https ? "https://[" : "http://[") + url.host + "]:" + url.port; }

// "connection refused to 127.0.0.1:1234"
std::string refusal(const error_code& error, const Url& url) {
  std::string text = error.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text + " to " + url.host + ":" + url.port;
}

bool is_ip_address(const std::string& host) {
  error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

}  // namespace

bool Connection::open_to(const Url& url, const Tls& tls) const {
  const bool open = tls_ ? tls_->next_layer().is_open() : socket_.is_open();
  return open && origin_ == origin_of(url) && (!url.https || context_settings_ == tls);
}

void Connection::close() {
  error_code ignored;
  if (tls_) tls_->next_layer().close(ignored);
  tls_.reset();
  socket_.close(ignored);
  origin_.clear();
}

void Connection::connect(const Url& url, const Tls& tls, const Bounds& bounds) {
  close();
  const auto addresses = resolve(url, bounds);
  const error_code connected =
      wait([&](auto done) { asio::async_connect(socket_, addresses, done); }, bounds);
  if (connected) throw Failure{refusal(connected, url)};
  socket_.set_option(tcp::no_delay{true});
  if (url.https) handshake(url, tls, bounds);
  origin_ = origin_of(url);
}

tcp::resolver::results_type Connection::resolve(const Url& url, const Bounds& bounds) {
  tcp::resolver resolver{io_};
  auto done = std::make_shared<std::optional<error_code>>();
  auto found = std::make_shared<tcp::resolver::results_type>();
  resolver.async_resolve(url.host, url.port, [done, found](error_code error, tcp::resolver::results_type results) {
    *found = std::move(results);
    *done = error;
  });
  run_until_done(*done, bounds, false);
  if (**done) throw Failure{"cannot resolve " + url.host + ": " + (**done).message()};
  return *found;
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
