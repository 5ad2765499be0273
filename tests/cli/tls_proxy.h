// TLS for tests of clients: a throwaway CA with a server certificate for
// 127.0.0.1 and a client certificate, made with the `openssl` command, and
// socat terminating TLS with them in front of a plain server on 127.0.0.1,
// requiring a client certificate from that CA as a Kubernetes API server does.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/processes.h"
#include "cli/shell.h"

namespace clitest {

// Writes ca.pem, ca.key, server.pem, server.key, client.pem and client.key
// into `dir` (which must exist); the outcome of the openssl commands, with
// all they printed.
inline Outcome make_test_certificates(const std::filesystem::path& dir) {
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string sign = "openssl x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -days 1";
  return shell("(cd " + quote(dir.string()) + " && openssl req -x509" + key +
               " -keyout ca.key -out ca.pem -days 1 -subj /CN=test-ca && openssl req" + key +
               " -keyout server.key -out server.csr -subj /CN=127.0.0.1 && printf 'subjectAltName=IP:127.0.0.1\\n' > "
               "server.ext && " + sign + " -in server.csr -extfile server.ext -out server.pem && openssl req" + key +
               " -keyout client.key -out client.csr -subj /CN=factory && " + sign +
               " -in client.csr -out client.pem) 2>&1");
}

// Whether something accepts TCP connections on 127.0.0.1:`port`.
inline bool accepts_connections(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

// socat on a free loopback port with the certificates of `dir`, forwarding
// each connection to 127.0.0.1:`backend`; its log goes to `log`. Constructed
// once it accepts connections.
class TlsProxy {
 public:
  TlsProxy(const std::filesystem::path& dir, std::uint16_t backend, const std::filesystem::path& log)
      : port_{free_port()},
        process_{{"socat",
                  "OPENSSL-LISTEN:" + std::to_string(port_) + ",bind=127.0.0.1,reuseaddr,fork,cert=" +
                      (dir / "server.pem").string() + ",key=" + (dir / "server.key").string() +
                      ",cafile=" + (dir / "ca.pem").string() + ",verify=1",
                  "TCP:127.0.0.1:" + std::to_string(backend)},
                 log} {
    if (!wait_until([this] { return accepts_connections(port_); }, 10s))
      throw std::runtime_error("socat does not listen on port " + std::to_string(port_));
  }

  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  Process process_;
};

}  // namespace clitest
