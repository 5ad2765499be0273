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


// What a Stream makes of `line` given in `parts` (sizes; the rest in the last).
std::string streamed(const SecretMask& mask, std::string_view line, const std::vector<std::size_t>& parts) {
  SecretMask::Stream stream{mask};
  std::string masked;
  for (std::size_t size : parts) {
    stream.feed(line.substr(0, size), masked);
    line.remove_prefix(std::min(size, line.size()));
  }
  stream.feed(line, masked);
  stream.finish(masked);
  return masked;
}

TEST(SecretMaskStream, AnyCutOfALineGivesWhatTheWholeLineGives) {
  const SecretMask mask{{{"A", "abcdef"}, {"B", "defghi"}, {"C", "xxxx"}, {"KEY", "line one\nsecond line"}}};
  for (const std::string line : {"[abcdefghi] and abcdef, xxxxxxx!", "abcdefdefghi", "secxxxxond line one two",
                                 "second line one second line", "nothing at all", "xxxxxxxxxxxxxxxxxxxxxxxx"}) {
    const std::string whole = mask.apply(line);
    for (std::size_t first = 0; first <= line.size(); ++first) {
      EXPECT_EQ(streamed(mask, line, {first}), whole) << line << " cut at " << first;
      for (std::size_t second = 0; first + second <= line.size(); ++second)
        EXPECT_EQ(streamed(mask, line, {first, second}), whole) << line << " cut at " << first << "+" << second;
    }
    EXPECT_EQ(streamed(mask, line, std::vector<std::size_t>(line.size(), 1)), whole) << line << " byte by byte";
  }
}

TEST(SecretMaskStream, KeepsBackLessThanTheLongestSecret) {
  const SecretMask mask{{{"SHORT", "abcd"}, {"LONG", "0123456789"}}};
  SecretMask::Stream stream{mask};
  std::string masked;
  stream.feed("plain text without secrets, ", masked);
  EXPECT_EQ(masked, "plain text without ");  // the last 9 bytes may begin a secret
  stream.feed("then 012345", masked);
  EXPECT_EQ(masked, "plain text without secrets, th");
  stream.feed("6789", masked);
  EXPECT_EQ(masked, "plain text without secrets, then ***");
  stream.feed(" and the rest", masked);
  EXPECT_EQ(masked, "plain text without secrets, then *** and");
  stream.finish(masked);
  EXPECT_EQ(masked, "plain text without secrets, then *** and the rest");
}

TEST(SecretMaskStream, AnEndlessRunOfSecretsStaysOneReplacement) {
  const SecretMask mask{{{"A", "aaaa"}}};
  SecretMask::Stream stream{mask};
  std::string masked;
  stream.feed("<", masked);
  for (int i = 0; i < 1000; ++i) stream.feed(std::string(1024, 'a'), masked);
  stream.feed(">", masked);
  stream.finish(masked);
  EXPECT_EQ(masked, "<***>");
  stream.feed("next line: aaaa.", masked);  // finish() made it ready for another line
  stream.finish(masked);
  EXPECT_EQ(masked, "<***>next line: ***.");
}

// A pipeline's environment secrets arrive after the run began: the mask of
// its executions hides them and the job's.
TEST(SecretMask, WithHidesTheSecretsOfBoth) {
  const SecretMask job{{{"TOKEN", "s3cr3t-token"}}};
  const SecretMask pipeline = job.with({{"DEPLOY_KEY", "d3ploy-key"}});
  EXPECT_EQ(pipeline.apply("s3cr3t-token and d3ploy-key"), "*** and ***");
  EXPECT_EQ(job.apply("s3cr3t-token and d3ploy-key"), "*** and d3ploy-key");
}
