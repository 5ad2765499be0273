// https:// against the project's own server behind socat, which terminates
// TLS with a throwaway CA's certificate for 127.0.0.1 and requires a client
// certificate from that CA: verification with a given CA or the system's
// trust store, host names, client certificates from PEM text or files,
// `insecure`, and all of it through forward_proxy.h's CONNECT tunnel.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "../http/test_support.h"
#include "cli/tls_proxy.h"
#include "forward_proxy.h"
#include "http_client/http_client.h"
#include "http_client/tls_context.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;

class HttpClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    http::Router router;
    router.add("GET", "/hello", [](http::Request&) { return http::Response::text(200, "hello over TLS"); });
    router.add("GET", "/port", [](http::Request& request) {  // socat's port: one per TLS connection
      return http::Response::text(200, std::to_string(request.remote_port));
    });
    server_ = http::testing::start_server(std::move(router));
    const auto made = clitest::make_test_certificates(dir_.path());
    ASSERT_EQ(made.exit_code, 0) << made.output;
    proxy_ = std::make_unique<clitest::TlsProxy>(dir_.path(), server_->port(), dir_.path() / "socat.log");
  }

  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(proxy_->port()) + path;
  }
  std::string pem(const std::string& file) const { return dir_.read(file); }
  // The client certificate as PEM text, with `tls` for the rest.
  http_client::Tls as_client(http_client::Tls tls) const {
    tls.certificate_pem = pem("client.pem");
    tls.key_pem = pem("client.key");
    return tls;
  }
  http_client::Reply get(const std::string& url, const http_client::Tls& tls) {
    return client_.perform({.url = url, .tls = tls});
  }

  testpaths::TempDir dir_{"http-client-tls"};
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<clitest::TlsProxy> proxy_;
  http_client::Client client_;
};

TEST_F(HttpClientTls, TrustsTheGivenCaAndPresentsTheClientCertificateOnOneKeptConnection) {
  const auto tls = as_client({.ca_pem = pem("ca.pem")});
  const auto hello = get(url("/hello"), tls);
  EXPECT_EQ(hello.status, 200) << hello.error;
  EXPECT_EQ(hello.body, "hello over TLS");
  const auto first = get(url("/port"), tls), second = get(url("/port"), tls);
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.body, second.body) << "both went through the same TLS connection";
}

// Settings given as text share one context across Clients (a context
// reads its trust store once); settings naming files are read anew, so a
// replaced certificate file is seen by the next Client.
TEST_F(HttpClientTls, ClientsShareTheContextOfSettingsGivenAsText) {
  const auto tls = as_client({.ca_pem = pem("ca.pem")});
  const auto shared = http_client::detail::tls_context(tls);
  EXPECT_EQ(http_client::detail::tls_context(tls), shared);
  EXPECT_NE(http_client::detail::tls_context(as_client({.ca_pem = pem("ca.pem"), .insecure = true})), shared);
  const http_client::Tls files{.ca_file = dir_.path() / "ca.pem"};
  EXPECT_NE(http_client::detail::tls_context(files), http_client::detail::tls_context(files));

  http_client::Client another;
  const auto first = get(url("/hello"), tls);
  const auto second = another.perform({.url = url("/hello"), .tls = tls});
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(second.status, 200) << second.error;
}

TEST_F(HttpClientTls, TakesTheCaAndTheClientCertificateFromFiles) {
  const fs::path dir = dir_.path();
  const auto reply = get(url("/hello"), {.ca_file = dir / "ca.pem",
                                         .certificate_file = dir / "client.pem",
                                         .key_file = dir / "client.key"});
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "hello over TLS");
}

TEST_F(HttpClientTls, RefusesAServerThatAnotherCaSigned) {
  testpaths::TempDir other{"http-client-other-ca"};
  ASSERT_EQ(clitest::make_test_certificates(other.path()).exit_code, 0);
  const auto reply = get(url("/hello"), as_client({.ca_pem = other.read("ca.pem")}));
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.error.starts_with("TLS handshake with 127.0.0.1: certificate verify failed")) << reply.error;
}

TEST_F(HttpClientTls, VerifiesAgainstTheSystemsTrustStoreWhenGivenNoCa) {
  const auto reply = get(url("/hello"), as_client({}));
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.error.starts_with("TLS handshake with 127.0.0.1: certificate verify failed")) << reply.error;
}

// Sets an environment variable for one test, and puts back what was there.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_{name} {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedVariable() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// With no CA given, the system's CAs are looked up in their hashed directory
// (/etc/ssl/certs, made by update-ca-certificates), here SSL_CERT_DIR with
// the test CA under its hash name. (Settings naming files: a context of its
// own, not one another test left shared.)
TEST_F(HttpClientTls, FindsTheCaInTheSystemsHashedDirectory) {
  const fs::path certs = dir_.path() / "certs";
  fs::create_directories(certs);
  fs::copy_file(dir_.path() / "ca.pem", certs / "test-ca.pem");
  ASSERT_EQ(std::system(("openssl rehash " + certs.string()).c_str()), 0);
  const ScopedVariable no_file{"SSL_CERT_FILE", nullptr}, cert_dir{"SSL_CERT_DIR", certs.c_str()};
  const http_client::Tls client_files{.certificate_file = dir_.path() / "client.pem",
                                      .key_file = dir_.path() / "client.key"};
  const auto reply = get(url("/hello"), client_files);
  EXPECT_EQ(reply.status, 200) << reply.error;

  fs::remove_all(certs);
  fs::create_directories(certs);
  http_client::Client fresh;
  const auto refused = fresh.perform({.url = url("/hello"), .tls = client_files});
  EXPECT_EQ(refused.status, 0);
  EXPECT_TRUE(refused.error.starts_with("TLS handshake with 127.0.0.1: certificate verify failed")) << refused.error;
}

TEST_F(HttpClientTls, ChecksThatTheCertificateNamesTheHost) {
  const auto reply = get(url("/hello", "localhost"), as_client({.ca_pem = pem("ca.pem")}));
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.error.starts_with("TLS handshake with localhost: certificate verify failed")) << reply.error;
}

TEST_F(HttpClientTls, InsecureVerifiesNothing) {
  const auto reply = get(url("/hello", "localhost"), as_client({.insecure = true}));
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "hello over TLS");
}

TEST_F(HttpClientTls, WithoutTheClientCertificateThereIsNoAnswer) {
  const auto reply = get(url("/hello"), {.ca_pem = pem("ca.pem")});
  EXPECT_EQ(reply.status, 0);
  EXPECT_FALSE(reply.error.empty());
}

TEST_F(HttpClientTls, SaysWhichSettingCannotBeUsed) {
  const auto reply = get(url("/hello"), {.ca_file = "/nonexistent/ca.pem"});
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.error.starts_with("TLS settings: the CA file /nonexistent/ca.pem: ")) << reply.error;
}

class HttpClientTlsThroughProxy : public HttpClientTls {
 protected:
  http_client::testing::ProxyVariables variables_;
  http_client::testing::ForwardProxy forward_proxy_;
};

TEST_F(HttpClientTlsThroughProxy, TunnelsThroughTheProxyWithItsCredentialsAndKeepsTheTunnel) {
  variables_.set("https_proxy", "http://user:secret@" + forward_proxy_.address());
  const auto tls = as_client({.ca_pem = pem("ca.pem")});
  const auto first = get(url("/port"), tls), second = get(url("/port"), tls);
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.body, second.body) << "both went through the same TLS connection";
  EXPECT_EQ(forward_proxy_.accepted(), 1);
  const auto asked = forward_proxy_.asked();
  ASSERT_EQ(asked.size(), 1u);
  const std::string target = "127.0.0.1:" + std::to_string(proxy_->port());
  EXPECT_TRUE(asked[0].starts_with("CONNECT " + target + " HTTP/1.1\r\n")) << asked[0];
  EXPECT_NE(asked[0].find("\r\nHost: " + target + "\r\n"), std::string::npos) << asked[0];
  EXPECT_NE(asked[0].find("\r\nProxy-Authorization: Basic dXNlcjpzZWNyZXQ=\r\n"), std::string::npos) << asked[0];
}

// The certificate names 127.0.0.1, as the proxy's address does, and not localhost.
TEST_F(HttpClientTlsThroughProxy, VerifiesTheTargetsNameNotTheProxys) {
  variables_.set("https_proxy", forward_proxy_.url());
  const auto reply = get(url("/hello", "localhost"), as_client({.ca_pem = pem("ca.pem")}));
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.error.starts_with("TLS handshake with localhost: certificate verify failed")) << reply.error;
  ASSERT_EQ(forward_proxy_.asked().size(), 1u);
  EXPECT_TRUE(forward_proxy_.asked()[0].starts_with("CONNECT localhost:" + std::to_string(proxy_->port()) + " "));
}

TEST_F(HttpClientTlsThroughProxy, GoesDirectlyToTheHostsThatNoProxyNames) {
  variables_.set("https_proxy", forward_proxy_.url());
  variables_.set("NO_PROXY", "localhost,127.0.0.1");
  const auto reply = get(url("/hello"), as_client({.ca_pem = pem("ca.pem")}));
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(forward_proxy_.accepted(), 0);
}

}  // namespace
