// The parts of http:// and https:// URLs, and the clear refusal of others.
#include "http_client/url.h"

#include <gtest/gtest.h>

namespace {

using http_client::detail::parse_url;

TEST(Url, TakesHostPortAndTargetWithTheSchemesDefaults) {
  const auto plain = parse_url("http://ci.example.com/api/v1/agent/claim?wait=30");
  EXPECT_TRUE(plain.error.empty()) << plain.error;
  EXPECT_FALSE(plain.https);
  EXPECT_EQ(plain.host, "ci.example.com");
  EXPECT_EQ(plain.port, "80");
  EXPECT_EQ(plain.target, "/api/v1/agent/claim?wait=30");
  EXPECT_EQ(plain.host_header, "ci.example.com");

  const auto secure = parse_url("HTTPS://10.0.0.1:6443");
  EXPECT_TRUE(secure.https);
  EXPECT_EQ(secure.host, "10.0.0.1");
  EXPECT_EQ(secure.port, "6443");
  EXPECT_EQ(secure.target, "/");
  EXPECT_EQ(secure.host_header, "10.0.0.1:6443");
  EXPECT_EQ(parse_url("https://example.com").port, "443");
}

TEST(Url, TakesIpv6LiteralsInBracketsAndLeavesTheFragmentOut) {
  const auto url = parse_url("http://[::1]:8500/v1/agent/self?x=1#top");
  EXPECT_TRUE(url.error.empty()) << url.error;
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "8500");
  EXPECT_EQ(url.target, "/v1/agent/self?x=1");
  EXPECT_EQ(url.host_header, "[::1]:8500");
  EXPECT_EQ(parse_url("http://[fe80::1]").host_header, "[fe80::1]");
  EXPECT_EQ(parse_url("http://host?q=1").target, "/?q=1");
}

TEST(Url, RefusesWhatItCannotUseAndSaysWhy) {
  EXPECT_EQ(parse_url("ftp://example.com/file").error, "bad URL \"ftp://example.com/file\": unsupported scheme \"ftp\"");
  EXPECT_NE(parse_url("example.com/path").error.find("no scheme"), std::string::npos);
  for (const char* bad : {"http://", "http://:80/", "http://host:0", "http://host:65536", "http://host:8o",
                          "http://[::1", "http://[::1]x", "http://user:secret@host/"})
    EXPECT_FALSE(parse_url(bad).error.empty()) << bad;
  EXPECT_TRUE(parse_url("http://[::1").host.empty());
}

}  // namespace
