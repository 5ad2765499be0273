#include "store/token_secret.h"

#include <gtest/gtest.h>

#include <set>

namespace store {
namespace {

TEST(TokenSecret, Sha256MatchesKnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(TokenSecret, SecretsArePrefixedHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string secret = new_token_secret();
    ASSERT_EQ(secret.size(), 4u + 64u);
    EXPECT_TRUE(secret.starts_with("fct_"));
    EXPECT_EQ(secret.find_first_not_of("0123456789abcdef", 4), std::string::npos) << secret;
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace store
