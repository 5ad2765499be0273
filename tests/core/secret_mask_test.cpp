#include "core/secret_mask.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using core::SecretMask;

TEST(SecretMask, ReplacesEveryOccurrenceOfEverySecret) {
  const SecretMask mask{{{"TOKEN", "s3cr3t-token"}, {"PASSWORD", "hunter22"}}};
  EXPECT_EQ(mask.apply("login hunter22 with s3cr3t-token, again s3cr3t-token"), "login *** with ***, again ***");
  EXPECT_EQ(mask.apply("nothing to hide"), "nothing to hide");
  EXPECT_EQ(mask.apply(""), "");
}

TEST(SecretMask, AnEmptyMaskChangesNothing) {
  const SecretMask mask;
  EXPECT_TRUE(mask.empty());
  EXPECT_EQ(mask.apply("plain line"), "plain line");
}

TEST(SecretMask, TheLongerOfNestedSecretsWins) {
  const SecretMask mask{{{"SHORT", "pass"}, {"LONG", "password123"}}};
  EXPECT_EQ(mask.apply("password123 and pass"), "*** and ***");
}

TEST(SecretMask, OverlappingAndTouchingOccurrencesBecomeOneReplacement) {
  const SecretMask mask{{{"A", "abcdef"}, {"B", "defghi"}, {"C", "xxxx"}}};
  EXPECT_EQ(mask.apply("[abcdefghi]"), "[***]");  // no tail of either value shows
  EXPECT_EQ(mask.apply("abcdefdefghi"), "***");
  EXPECT_EQ(mask.apply("xxxxxx!"), "***!");
}

TEST(SecretMask, ValuesShorterThanTheMinimumAreLeftAlone) {
  const SecretMask mask{{{"PIN", "123"}, {"EMPTY", ""}}};
  EXPECT_TRUE(mask.empty());
  EXPECT_EQ(mask.apply("pin 123"), "pin 123");
  EXPECT_FALSE(SecretMask(core::Env{{"PIN", "1234"}}).empty());
}

TEST(SecretMask, MultiLineValuesAreMaskedLineByLine) {
  const SecretMask mask{{{"KEY", "-----BEGIN KEY-----\r\nMIIEvQIBADANBg\nab\n-----END KEY-----\n"}}};
  EXPECT_EQ(mask.apply("-----BEGIN KEY-----"), "***");
  EXPECT_EQ(mask.apply("key: MIIEvQIBADANBg"), "key: ***");
  EXPECT_EQ(mask.apply("ab"), "ab");  // too short to mask on its own
}

TEST(SecretMask, BytesAreComparedExactly) {
  const SecretMask mask{{{"UNICODE", "pässwörd"}, {"CASE", "Secret"}}};
  EXPECT_EQ(mask.apply("pässwörd secret Secret"), "*** secret ***");
}

TEST(SecretMask, IsFastEnoughForEveryLogLine) {
  core::Env secrets;
  for (int i = 0; i < 10; ++i) secrets["SECRET_" + std::to_string(i)] = "value-" + std::to_string(i) + "-x9f2kq";
  const SecretMask mask{secrets};
  const std::string line(200, 'v');
  constexpr int kLines = 20'000;
  const auto start = std::chrono::steady_clock::now();
  std::size_t total = 0;
  for (int i = 0; i < kLines; ++i) total += mask.apply(line).size();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(total, line.size() * kLines);
  // About 0.5 µs a line in a release build; the bound leaves room for sanitizers.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}
