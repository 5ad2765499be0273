// One HTTP exchange over libcurl, for every client FactoryCI has: the agent
// talking to its server, and the server talking to GitHub, a Kubernetes API
// server and a Consul agent. Each keeps what is particular to its service
// (headers, retries, what an answer means) and leaves the transfer here.
//
//   http_client::Client client;                 // one connection, kept alive
//   auto reply = client.perform({.method = "POST", .url = url, .headers = {...}, .body = json});
//   if (reply.status == 0) ... reply.error      // no answer: why
//
// Thread-safety: one Client per thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace http_client {

// TLS beyond the system's trust store: a CA and a client certificate, as
// files or as PEM text.
struct Tls {
  std::string ca_file, ca_pem;
  std::string certificate_file, certificate_pem;
  std::string key_file, key_pem;
  bool insecure = false;  // no verification of the server at all
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when not empty
  std::chrono::milliseconds timeout{30'000};  // the whole exchange; zero: none (a watch)
  std::chrono::milliseconds connect_timeout{5'000};
  std::string user_agent;
  Tls tls;
  // Polled while the exchange runs; true ends it with no answer.
  std::function<bool()> abort;
  // Each header line of the answer, as it arrives.
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
  void* curl_;
};

}  // namespace http_client
