// The Client's connection, kept open between exchanges with the same origin
// through the same proxy (if any), and the way every step on it waits: the step runs on the connection's own
// io_context until it completes, its deadline passes, or the request's
// abort says so (asked at least every 100 ms). Internal to src/http_client:
// Asio's headers stay in this folder.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "http_client/http_client.h"
#include "http_client/proxy.h"
#include "http_client/url.h"

namespace http_client::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Why an exchange ended with no answer, thrown from within it.
struct Failure : std::runtime_error {
  explicit Failure(const std::string& why, bool by_abort = false) : std::runtime_error{why}, aborted{by_abort} {}
  bool aborted;
};

// What ends a wait early.
struct Bounds {
  Clock::time_point deadline = Clock::time_point::max();
  std::string timeout_error;  // the Failure when the deadline passes
  const std::function<bool()>& abort;
};

class Connection {
 public:
  // Whether the connection is open to the origin of `url`, through `proxy`,
  // with these TLS settings.
  bool open_to(const Url& url, const std::optional<Proxy>& proxy, const Tls& tls) const;
  // Closes what is open and connects to the origin of `url` within `bounds`:
  // resolve, connect and TLS handshake; through `proxy`, the connection is
  // to the proxy, with a CONNECT tunnel to the origin for https://. Throws a
  // Failure if it cannot.
  void connect(const Url& url, const std::optional<Proxy>& proxy, const Tls& tls, const Bounds& bounds);
  void close();

  // Calls `use` with the open stream: a tcp::socket, or a TLS stream over one.
  template <class Use>
  auto with_stream(Use use) {
    return tls_ ? use(*tls_) : use(socket_);
  }

  // Starts an operation with start(handler) and runs it to its end; its
  // error, or a Failure if it had to be cut short (the connection is closed then).
  template <class Start>
  error_code wait(Start start, const Bounds& bounds) {
    auto done = std::make_shared<std::optional<error_code>>();
    start([done](error_code error, auto&&...) { *done = error; });
    run_until_done(*done, bounds, true);
    return **done;
  }

 private:
  error_code open_socket(const std::string& host, const std::string& port, const Bounds& bounds);
  tcp::resolver::results_type resolve(const std::string& host, const std::string& port, const Bounds& bounds);
  void tunnel(const Url& url, const Proxy& proxy, const Bounds& bounds);
  void handshake(const Url& url, const Tls& tls, const Bounds& bounds);
  void run_until_done(const std::optional<error_code>& done, const Bounds& bounds, bool on_socket);

  asio::io_context io_{1};
  tcp::socket socket_{io_};
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  std::string route_;  // "https://[host]:port", and " via proxy:port", while open
  // Made on the first https:// URL, again only when the settings change.
  std::optional<Tls> context_settings_;
  std::shared_ptr<asio::ssl::context> context_;
};

}  // namespace http_client::detail
