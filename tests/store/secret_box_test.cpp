// AES-256-GCM sealing of secret values, without a database.
#include "store/secret_box.h"

#include <gtest/gtest.h>

#include "test_database.h"

namespace store {
namespace {

constexpr const char* kProject = "01900000-0000-7000-8000-000000000001";

TEST(SecretBox, ValuesOfEveryLengthOpenAgain) {
  const SecretBox box{testing::test_secrets_key()};
  for (std::size_t size = 0; size < 70; ++size) {  // every base64 padding, several AES blocks
    const std::string value(size, static_cast<char>('a' + size % 26));
    EXPECT_EQ(box.open(kProject, "TOKEN", box.seal(kProject, "TOKEN", value)), value) << size;
  }
}

TEST(SecretBox, OnlyTheSameKeyProjectAndNameOpenAValue) {
  const SecretBox box{testing::test_secrets_key()};
  const std::string sealed = box.seal(kProject, "TOKEN", "the value");
  EXPECT_FALSE(SecretBox{testing::test_secrets_key(9)}.open(kProject, "TOKEN", sealed));
  EXPECT_FALSE(box.open("01900000-0000-7000-8000-000000000002", "TOKEN", sealed));
  EXPECT_FALSE(box.open(kProject, "OTHER", sealed));
}

TEST(SecretBox, DamagedOrMalformedTextDoesNotOpen) {
  const SecretBox box{testing::test_secrets_key()};
  std::string sealed = box.seal(kProject, "TOKEN", "the value");
  sealed[20] = sealed[20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.open(kProject, "TOKEN", sealed));
  for (const char* text : {"", "abc", "not base64!", "AAAA"}) EXPECT_FALSE(box.open(kProject, "TOKEN", text)) << text;
}

TEST(SecretBox, EverySealUsesAFreshNonce) {
  const SecretBox box{testing::test_secrets_key()};
  EXPECT_NE(box.seal(kProject, "TOKEN", "the value"), box.seal(kProject, "TOKEN", "the value"));
}

}  // namespace
}  // namespace store
