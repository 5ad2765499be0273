// A libcurl client that keeps its connection, and a raw socket for what curl
// will not do (stall, trickle, read an event stream that stays open). Needs
// libcurl only, so tests of the `factory` binary use it too.
#pragma once

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace http::testing {

using namespace std::chrono_literals;

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  long new_connections = 0;                    // 0 when an open connection was reused
  CURLcode code = CURLE_OK;
};

// One curl easy handle: consecutive requests reuse its connection.
class Client {
 public:
  explicit Client(std::uint16_t port) : port_{port}, curl_{curl_easy_init()} {}
  ~Client() { curl_easy_cleanup(curl_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Reply request(const std::string& method, const std::string& target, const std::string& body = {},
                const std::vector<std::string>& headers = {}) {
    Reply reply;
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + target;
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 20'000L);
    if (method == "POST" || method == "PUT" || !body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_slist* list = nullptr;
    for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &add_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.headers);
    reply.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    curl_slist_free_all(list);
    return reply;
  }

  Reply get(const std::string& target) { return request("GET", target); }

 private:
  static size_t append_body(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  }
  static size_t add_header(char* data, size_t size, size_t count, void* out) {
    std::string line{data, size * count};
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto start = line.find_first_not_of(' ', colon + 1);
      const auto end = line.find_last_not_of("\r\n");
      (*static_cast<std::map<std::string, std::string>*>(out))[name] =
          start == std::string::npos || end < start ? "" : line.substr(start, end - start + 1);
    }
    return size * count;
  }

  std::uint16_t port_;
  CURL* curl_;
};

// A plain TCP connection to 127.0.0.1:port, from `source` (another loopback
// address, such as 127.0.0.2, is another client to the server).
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port, const char* source = "127.0.0.1") : fd_{::socket(AF_INET, SOCK_STREAM, 0)} {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawSocket() { close(); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads until `needle` arrives (returns everything read so far, which then
  // holds it), the peer closes, or `timeout` passes.
  std::string read_until(const std::string& needle, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.find(needle) == std::string::npos && read_some(deadline)) {
    }
    const auto at = pending_.find(needle);
    const std::size_t end = at == std::string::npos ? pending_.size() : at + needle.size();
    std::string out = pending_.substr(0, end);
    pending_.erase(0, end);
    return out;
  }

  // True when the peer closes the connection within `timeout` (data it sends
  // before is read and discarded).
  bool closed_by_peer_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) pending_.clear();
    return peer_closed_;
  }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || peer_closed_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      peer_closed_ = true;
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool peer_closed_ = false;
  std::string pending_;
};

}  // namespace http::testing
