// A forward proxy on 127.0.0.1 for tests of a client behind one: it tunnels
// CONNECT requests to their target, forwards absolute-form requests to
// theirs in origin form, and keeps the head of each request it was asked.
// Every target is on 127.0.0.1, whatever host it names ("localhost" too).
// One client connection at a time, as RawServer serves them. And the proxy
// variables of the environment, unset for a test and put back after it.
#pragma once

#include <poll.h>

#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "raw_server.h"

namespace http_client::testing {

class ForwardProxy {
 public:
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  std::string url() const { return "http://" + address(); }
  int accepted() const { return server_.accepted(); }
  // The head of each request, through its empty line, in the order asked.
  std::vector<std::string> asked() const {
    std::lock_guard lock{mutex_};
    return asked_;
  }

 private:
  void serve(Peer& client) {
    int target = -1;  // to the target of the first request: a client keeps a connection to one origin
    for (std::string request = client.read_message(); !request.empty(); request = client.read_message()) {
      record(request);
      const std::string authority = authority_of(request);
      if (authority.empty()) {
        client.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        break;
      }
      if (target < 0) target = connect_to_port_of(authority);
      if (request.starts_with("CONNECT ")) {
        if (client.write("HTTP/1.1 200 Connection established\r\n\r\n")) relay(client.fd(), target);
        break;
      }
      Peer server{target};
      server.write(in_origin_form(request));
      if (!client.write(server.read_message())) break;
    }
    if (target >= 0) close(target);
  }

  void record(const std::string& request) {
    std::lock_guard lock{mutex_};
    asked_.push_back(request.substr(0, request.find("\r\n\r\n") + 4));
  }

  // "host:port" of "CONNECT host:port HTTP/1.1" or "GET http://host:port/path HTTP/1.1";
  // "" for a request in neither form, or one without a port.
  static std::string authority_of(const std::string& request) {
    std::size_t start = request.find(' ') + 1;
    if (request.compare(start, 7, "http://") == 0)
      start += 7;
    else if (!request.starts_with("CONNECT "))
      return {};
    const std::string authority = request.substr(start, request.find_first_of("/ ", start) - start);
    return authority.find(':') == std::string::npos ? "" : authority;
  }

  static std::string in_origin_form(std::string request) {
    const std::size_t scheme = request.find("http://");
    return request.erase(scheme, request.find('/', scheme + 7) - scheme);
  }

  static int connect_to_port_of(const std::string& authority) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(authority.substr(authority.rfind(':') + 1))));
    connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    return fd;
  }

  // Copies bytes both ways until either side closes. (A client sends nothing
  // after CONNECT until it is answered, so nothing of it was read ahead.)
  static void relay(int client, int target) {
    pollfd both[] = {{.fd = client, .events = POLLIN}, {.fd = target, .events = POLLIN}};
    char buffer[16 * 1024];
    while (poll(both, 2, -1) > 0) {
      for (int from = 0; from < 2; ++from) {
        if (both[from].revents == 0) continue;
        const ssize_t got = recv(both[from].fd, buffer, sizeof buffer, 0);
        if (got <= 0 || !Peer{both[1 - from].fd}.write({buffer, static_cast<std::size_t>(got)})) return;
      }
    }
  }

  mutable std::mutex mutex_;
  std::vector<std::string> asked_;
  RawServer server_{[this](Peer& client) { serve(client); }};  // last: it serves from its construction on
};

// Unsets every proxy variable for the life of the object and puts them back
// as they were after it, so that a test sees only those it sets.
class ProxyVariables {
 public:
  ProxyVariables() {
    for (const char* name : kNames) {
      const char* value = std::getenv(name);
      saved_.push_back(value ? std::optional<std::string>{value} : std::nullopt);
      unsetenv(name);
    }
  }
  ~ProxyVariables() {
    for (std::size_t i = 0; i < std::size(kNames); ++i)
      if (saved_[i])
        setenv(kNames[i], saved_[i]->c_str(), 1);
      else
        unsetenv(kNames[i]);
  }
  ProxyVariables(const ProxyVariables&) = delete;
  ProxyVariables& operator=(const ProxyVariables&) = delete;

  void set(const char* name, const std::string& value) { setenv(name, value.c_str(), 1); }

 private:
  static constexpr const char* kNames[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  std::vector<std::optional<std::string>> saved_;
};

}  // namespace http_client::testing
