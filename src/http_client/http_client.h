// One HTTP/1.1 exchange, for every client FactoryCI has: the agent talking
// to its server, and the server talking to GitHub, a Kubernetes API server
// and a Consul agent. Each keeps what is particular to its service (headers,
// retries, what an answer means) and leaves the transfer here.
//
//   http_client::Client client;                 // one connection, kept alive
//   auto reply = client.perform({.method = "POST", .url = url, .headers = {...}, .body = json});
//   if (reply.status == 0) ... reply.error      // no answer: why
//
// http:// and https:// URLs; no redirects or HTTP/2. Proxies as curl takes
// them from the environment (https_proxy, http_proxy, all_proxy, no_proxy;
// http:// proxies only, see proxy.h), read at each request. A client keeps
// its connection open for the next request to the same origin through the
// same proxy, and sends a request once more on a new connection when the
// kept one turns out to have been closed by the server before any answer
// came. OpenSSL is set up on the first https:// URL only: an agent talking
// plain HTTP never loads its state.
//
// Thread-safety: one Client per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace http_client {

namespace detail {
class Connection;
}

// TLS beyond the system's trust store: a CA and a client certificate, as
// files or as PEM text.
struct Tls {
  std::string ca_file, ca_pem;
  std::string certificate_file, certificate_pem;
  std::string key_file, key_pem;
  bool insecure = false;  // no verification of the server at all

  bool operator==(const Tls&) const = default;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when not empty
  std::chrono::milliseconds timeout{30'000};  // the whole exchange; zero: none (a watch)
  // Resolve, connect, a proxy's tunnel and TLS handshake; zero: no own limit.
  std::chrono::milliseconds connect_timeout{5'000};
  std::string user_agent;
  Tls tls;
  // Polled at least every 100 ms while the exchange runs; true ends it with no answer.
  std::function<bool()> abort;
  // Each line of the answer's header, ending in CRLF: the status line,
  // "Name: value" lines, and the empty line.
  std::function<void(std::string_view line)> on_header;
  // The body in pieces as it arrives, instead of in Reply::body.
  std::function<void(std::string_view piece)> on_body;
};

struct Reply {
  long status = 0;  // 0: no answer
  std::string body;
  std::string error;  // why there was no answer
  bool aborted = false;  // Request::abort ended it
};

class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Reply perform(const Request& request);

 private:
  std::unique_ptr<detail::Connection> connection_;
};

}  // namespace http_client
