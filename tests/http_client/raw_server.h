// A server of raw HTTP on 127.0.0.1, for what the project's own server does
// not do: answers written byte by byte as a test scripts them (chunked ones
// a piece at a time, close-delimited ones, "Connection: close"), connections
// closed while idle, and a count of the connections it accepted. One
// connection at a time: `serve` runs for each until it returns, and then the
// connection closes. And a port where connections are refused.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace http_client::testing {

// One end of a connection: the server's, or a proxy's to the server.
class Peer {
 public:
  explicit Peer(int fd) : fd_{fd} {}

  int fd() const { return fd_; }

  // The next request's or answer's head (through the empty line) and its
  // Content-Length body; "" once the other end closed the connection.
  std::string read_message() {
    while (pending_.find("\r\n\r\n") == std::string::npos)
      if (!read_more()) return {};
    const std::size_t head_end = pending_.find("\r\n\r\n") + 4;
    std::size_t length = 0;
    if (const auto at = pending_.find("Content-Length: "); at != std::string::npos && at < head_end)
      length = std::stoul(pending_.substr(at + 16));
    while (pending_.size() < head_end + length)
      if (!read_more()) return {};
    std::string request = pending_.substr(0, head_end + length);
    pending_.erase(0, head_end + length);
    return request;
  }

  // False once the other end is gone.
  bool write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

 private:
  bool read_more() {
    char buffer[4096];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(got));
    return true;
  }

  int fd_;
  std::string pending_;
};

class RawServer {
 public:
  explicit RawServer(std::function<void(Peer&)> serve) : serve_{std::move(serve)} {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    bind(listener_, reinterpret_cast<sockaddr*>(&address), size);
    listen(listener_, 16);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread{[this] { accept_loop(); }};
  }
  // Ends the connection being served too, so that `serve` sees the client gone.
  ~RawServer() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);
    if (const int fd = serving_.load(); fd >= 0) shutdown(fd, SHUT_RDWR);
    thread_.join();
    close(listener_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int accepted() const { return accepted_; }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      serving_ = fd;  // before looking at stopping_, which the destructor sets before looking at serving_
      if (!stopping_) {
        ++accepted_;
        Peer peer{fd};
        serve_(peer);
      }
      serving_ = -1;
      close(fd);
      if (stopping_) return;
    }
  }

  std::function<void(Peer&)> serve_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> serving_{-1};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A socket bound to 127.0.0.1 on a free port, not listening: connections to it are refused.
inline int bound_socket(std::string& port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  socklen_t size = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  port = std::to_string(ntohs(address.sin_port));
  return fd;
}

}  // namespace http_client::testing
