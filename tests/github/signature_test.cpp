#include "github/signature.h"

#include <gtest/gtest.h>

namespace github {
namespace {

// GitHub's documented example.
constexpr const char* kSecret = "It's a Secret to Everybody";
constexpr const char* kBody = "Hello, World!";
constexpr const char* kDigest = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

TEST(SignatureTest, HmacMatchesGitHubsExample) { EXPECT_EQ(hmac_sha256_hex(kSecret, kBody), kDigest); }

TEST(SignatureTest, TheDocumentedHeaderVerifies) {
  EXPECT_TRUE(signature_matches(kSecret, kBody, std::string("sha256=") + kDigest));
}

TEST(SignatureTest, UppercaseHexVerifiesToo) {
  std::string upper = kDigest;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(signature_matches(kSecret, kBody, "sha256=" + upper));
}

TEST(SignatureTest, AnyChangeToBodySecretOrDigestFails) {
  std::string header = std::string("sha256=") + kDigest;
  EXPECT_FALSE(signature_matches(kSecret, "Hello, World?", header));
  EXPECT_FALSE(signature_matches("It's a secret to everybody", kBody, header));
  std::string flipped = header;
  flipped.back() = '6';
  EXPECT_FALSE(signature_matches(kSecret, kBody, flipped));
}

TEST(SignatureTest, MalformedHeadersFail) {
  for (std::string header :
       {std::string(), std::string(kDigest), "sha1=" + std::string(kDigest), "sha256=" + std::string(kDigest).substr(2),
        "sha256=" + std::string(kDigest) + "00", "sha256=" + std::string(64, 'g'), std::string("sha256=")})
    EXPECT_FALSE(signature_matches(kSecret, kBody, header)) << header;
}

// A delivery is unsigned when its header has not even a signature's form:
// that is known before any secret is looked up.
TEST(SignatureTest, TheFormOfASignatureIsKnownWithoutTheSecret) {
  EXPECT_TRUE(is_signature(std::string("sha256=") + kDigest));
  EXPECT_TRUE(is_signature("sha256=" + std::string(64, '0')));  // well formed, if wrong for every secret
  for (std::string header :
       {std::string(), std::string(kDigest), "sha1=" + std::string(kDigest), "sha256=" + std::string(kDigest).substr(2),
        "sha256=" + std::string(kDigest) + "00", "sha256=" + std::string(64, 'g'), std::string("sha256=")})
    EXPECT_FALSE(is_signature(header)) << header;
}

TEST(SignatureTest, AnEmptySecretNeverVerifies) {
  std::string header = "sha256=" + hmac_sha256_hex("", kBody);
  EXPECT_FALSE(signature_matches("", kBody, header));
}

TEST(SignatureTest, BinaryBodiesAreSignedByteForByte) {
  std::string body("a\0b\xff", 4);
  std::string header = "sha256=" + hmac_sha256_hex(kSecret, body);
  EXPECT_TRUE(signature_matches(kSecret, body, header));
  EXPECT_FALSE(signature_matches(kSecret, std::string("a\0b", 3), header));
}

}  // namespace
}  // namespace github
