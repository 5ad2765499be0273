// Proxies from the environment as curl takes them: which variable serves
// which URL, proxy settings and no_proxy lists, and http:// requests through
// forward_proxy.h's proxy (absolute form, credentials, kept connections,
// no_proxy) and refusals by a scripted one. https:// through a proxy is in
// tls_test.cpp.
#include "http_client/proxy.h"

#include <gtest/gtest.h>

#include <future>

#include "forward_proxy.h"
#include "http_client/http_client.h"
#include "raw_server.h"

namespace {

using http_client::detail::bypasses_proxy;
using http_client::detail::parse_proxy;
using http_client::detail::parse_url;
using http_client::detail::proxy_from_environment;
using http_client::testing::ForwardProxy;
using http_client::testing::Peer;
using http_client::testing::ProxyVariables;
using http_client::testing::RawServer;

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

std::function<void(Peer&)> answering_ok() {
  return [](Peer& peer) {
    while (!peer.read_message().empty()) peer.write(kOk);
  };
}

// What a scripted server was sent; "" when it was sent nothing within seconds.
std::string seen_by(std::promise<std::string>& seen) {
  auto sent = seen.get_future();
  return sent.wait_for(std::chrono::seconds{5}) == std::future_status::ready ? sent.get() : "";
}

bool has_line(const std::string& head, const std::string& line) {
  return head.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(HttpClientProxySettings, TakeHostPortAndPercentEncodedCredentials) {
  const auto proxy = parse_proxy("http://user:p%40ss@10.0.0.1:3128/", "https_proxy");
  EXPECT_TRUE(proxy.error.empty()) << proxy.error;
  EXPECT_EQ(proxy.address(), "10.0.0.1:3128");
  EXPECT_EQ(proxy.authorization, "Basic dXNlcjpwQHNz");  // user:p@ss

  const auto bare = parse_proxy("proxy.corp", "http_proxy");
  EXPECT_EQ(bare.address(), "proxy.corp:1080");
  EXPECT_TRUE(bare.authorization.empty());
  EXPECT_EQ(parse_proxy("HTTP://[::1]:8080", "all_proxy").host, "::1");
}

TEST(HttpClientProxySettings, RefuseWhatTheyCannotUseWithoutShowingThePassword) {
  EXPECT_EQ(parse_proxy("socks5://user:secret@proxy:1080", "all_proxy").error,
            "the proxy in all_proxy: socks5:// proxies are not supported, only http:// ones");
  EXPECT_FALSE(parse_proxy("https://proxy:443", "https_proxy").error.empty());
  const auto bad_port = parse_proxy("http://user:secret@proxy:99999", "https_proxy");
  EXPECT_EQ(bad_port.error, "the proxy in https_proxy: no host, or a bad port");
  EXPECT_FALSE(parse_proxy("http://:3128", "https_proxy").error.empty());
}

TEST(HttpClientProxySettings, NoProxyNamesHostsTheirSubdomainsAndExactAddresses) {
  struct Case {
    std::string_view no_proxy, host;
    bool bypassed;
  };
  for (const auto& [no_proxy, host, bypassed] : {
           Case{"example.com", "example.com", true},
           Case{"example.com", "api.example.com", true},
           Case{".example.com", "example.com", true},
           Case{".example.com", "api.example.com", true},
           Case{"EXAMPLE.com", "Api.Example.COM.", true},
           Case{"example.com", "badexample.com", false},
           Case{" other.org , 10.0.0.1 ", "10.0.0.1", true},
           Case{"10.0.0.1", "10.0.0.10", false},
           Case{"0.0.1", "10.0.0.1", false},  // an address names only itself
           Case{"[::1]", "::1", true},
           Case{" * ", "anything", true},
           Case{"other.org,*", "anything", false},  // "*" counts only on its own
           Case{"", "example.com", false},
           Case{",,.", "example.com", false},
       })
    EXPECT_EQ(bypasses_proxy(no_proxy, host), bypassed) << "no_proxy \"" << no_proxy << "\", host " << host;
}

TEST(HttpClientProxySettings, EachSchemeHasItsVariablesAndAllProxyIsTheFallback) {
  ProxyVariables variables;
  const auto http = parse_url("http://ci.example.com/"), https = parse_url("https://github.com/");
  EXPECT_FALSE(proxy_from_environment(https));

  variables.set("HTTP_PROXY", "http://upper:1");
  EXPECT_FALSE(proxy_from_environment(http)) << "curl reads only the lowercase http_proxy";
  variables.set("http_proxy", "http://lower:2");
  EXPECT_EQ(proxy_from_environment(http)->address(), "lower:2");

  variables.set("HTTPS_PROXY", "http://secure:3");
  EXPECT_EQ(proxy_from_environment(https)->address(), "secure:3");
  variables.set("https_proxy", "http://secure-lower:4");
  EXPECT_EQ(proxy_from_environment(https)->address(), "secure-lower:4");

  variables.set("http_proxy", "");  // empty is unset
  variables.set("ALL_PROXY", "http://every:5");
  EXPECT_EQ(proxy_from_environment(http)->address(), "every:5");
  variables.set("all_proxy", "http://every-lower:6");
  EXPECT_EQ(proxy_from_environment(http)->address(), "every-lower:6");

  variables.set("NO_PROXY", "example.com");
  EXPECT_FALSE(proxy_from_environment(http));
  EXPECT_TRUE(proxy_from_environment(https));
  variables.set("no_proxy", "github.com");
  EXPECT_TRUE(proxy_from_environment(http)) << "no_proxy comes before NO_PROXY";
  EXPECT_FALSE(proxy_from_environment(https));
}

TEST(HttpClientProxySettings, TheVariablesArePutBackAfterATest) {
  setenv("no_proxy", "before", 1);
  unsetenv("all_proxy");
  {
    ProxyVariables variables;
    EXPECT_EQ(std::getenv("no_proxy"), nullptr);
    variables.set("no_proxy", "during");
    variables.set("all_proxy", "http://during:1");
  }
  EXPECT_STREQ(std::getenv("no_proxy"), "before");
  EXPECT_EQ(std::getenv("all_proxy"), nullptr);
  unsetenv("no_proxy");
}

class HttpClientProxy : public ::testing::Test {
 protected:
  ProxyVariables variables_;
  ForwardProxy proxy_;
  http_client::Client client_;
};

TEST_F(HttpClientProxy, SendsHttpRequestsToTheProxyInAbsoluteForm) {
  std::promise<std::string> seen;
  RawServer target{[&](Peer& peer) {
    seen.set_value(peer.read_message());
    peer.write(kOk);
  }};
  variables_.set("http_proxy", proxy_.url());
  const auto reply = client_.perform({.url = target.url("/path?q=1")});
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "ok");
  const std::string authority = "127.0.0.1:" + std::to_string(target.port());
  const auto asked = proxy_.asked();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_TRUE(asked[0].starts_with("GET http://" + authority + "/path?q=1 HTTP/1.1\r\n")) << asked[0];
  EXPECT_TRUE(has_line(asked[0], "Host: " + authority)) << asked[0];
  EXPECT_EQ(asked[0].find("Proxy-Authorization"), std::string::npos);
  EXPECT_TRUE(seen_by(seen).starts_with("GET /path?q=1 HTTP/1.1\r\n"));
}

TEST_F(HttpClientProxy, SendsTheProxysCredentialsToTheProxy) {
  RawServer target{answering_ok()};
  variables_.set("http_proxy", "http://user:secret@" + proxy_.address());
  const auto reply = client_.perform({.url = target.url()});
  EXPECT_EQ(reply.status, 200) << reply.error;
  const auto asked = proxy_.asked();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_TRUE(has_line(asked[0], "Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=")) << asked[0];
}

TEST_F(HttpClientProxy, KeepsTheConnectionForTheSameOriginThroughTheSameProxy) {
  RawServer target{answering_ok()}, other_target{answering_ok()};
  ForwardProxy other_proxy;
  variables_.set("http_proxy", proxy_.url());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client_.perform({.url = target.url()}).status, 200);
  EXPECT_EQ(proxy_.accepted(), 1);
  EXPECT_EQ(proxy_.asked().size(), 3u);

  EXPECT_EQ(client_.perform({.url = other_target.url()}).status, 200);
  EXPECT_EQ(proxy_.accepted(), 2) << "another origin, another connection";

  variables_.set("http_proxy", other_proxy.url());
  EXPECT_EQ(client_.perform({.url = other_target.url()}).status, 200);
  EXPECT_EQ(other_proxy.accepted(), 1) << "another proxy, another connection";

  variables_.set("no_proxy", "127.0.0.1");
  EXPECT_EQ(client_.perform({.url = other_target.url()}).status, 200);
  EXPECT_EQ(other_proxy.asked().size(), 1u) << "no proxy, another connection";
  EXPECT_EQ(other_target.accepted(), 3);
}

TEST_F(HttpClientProxy, GoesDirectlyToTheHostsThatNoProxyNames) {
  RawServer target{answering_ok()};
  variables_.set("http_proxy", proxy_.url());
  variables_.set("https_proxy", proxy_.url());
  variables_.set("no_proxy", "ci.example.com, 127.0.0.1");
  const auto reply = client_.perform({.url = target.url()});
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(target.accepted(), 1);
  EXPECT_EQ(proxy_.accepted(), 0);
}

TEST_F(HttpClientProxy, AProxyThatRefusesCONNECTIsNoAnswerWithAReason) {
  std::promise<std::string> seen;
  RawServer refusing{[&](Peer& peer) {
    seen.set_value(peer.read_message());
    peer.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nno way");
  }};
  variables_.set("https_proxy", "http://user:secret@127.0.0.1:" + std::to_string(refusing.port()));
  const auto reply = client_.perform({.url = "https://github.com/repos"});
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.error,
            "proxy 127.0.0.1:" + std::to_string(refusing.port()) + " refused CONNECT to github.com:443: 403 Forbidden");
  const std::string request = seen_by(seen);
  EXPECT_TRUE(request.starts_with("CONNECT github.com:443 HTTP/1.1\r\n")) << request;
  EXPECT_TRUE(has_line(request, "Host: github.com:443")) << request;
  EXPECT_TRUE(has_line(request, "Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=")) << request;
}

TEST_F(HttpClientProxy, AProxyThatCannotBeUsedIsNoAnswerWithAReason) {
  std::string port;
  const int bound = http_client::testing::bound_socket(port);
  variables_.set("https_proxy", "127.0.0.1:" + port);
  const auto refused = client_.perform({.url = "https://github.com/"});
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.error, "cannot connect to proxy 127.0.0.1:" + port + ": connection refused");
  close(bound);

  variables_.set("https_proxy", "socks5://127.0.0.1:1080");
  const auto socks = client_.perform({.url = "https://github.com/"});
  EXPECT_EQ(socks.status, 0);
  EXPECT_EQ(socks.error, "the proxy in https_proxy: socks5:// proxies are not supported, only http:// ones");
}

TEST_F(HttpClientProxy, TheConnectTimeoutCoversTheProxysAnswerToCONNECT) {
  RawServer silent{[](Peer& peer) {
    peer.read_message();
    peer.read_message();
  }};
  variables_.set("https_proxy", "http://127.0.0.1:" + std::to_string(silent.port()));
  const auto started = std::chrono::steady_clock::now();
  const auto reply = client_.perform({.url = "https://github.com/", .connect_timeout = std::chrono::milliseconds{200}});
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.error, "connecting to github.com:443 through proxy 127.0.0.1:" + std::to_string(silent.port()) +
                             " timed out after 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{1});
}

}  // namespace
