#include "config/duration.h"

#include <gtest/gtest.h>

namespace config {
namespace {

using std::chrono::milliseconds;

milliseconds parse(std::string_view text) {
  std::string error;
  auto d = parse_duration(text, error);
  EXPECT_TRUE(d) << text << ": " << error;
  return d.value_or(milliseconds(-1));
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_duration(text, error)) << text;
  return error;
}

TEST(Duration, ValidForms) {
  EXPECT_EQ(parse("1s"), milliseconds(1000));
  EXPECT_EQ(parse("2m"), milliseconds(120000));
  EXPECT_EQ(parse("1h30m"), milliseconds(5400000));
  EXPECT_EQ(parse("500ms"), milliseconds(500));
  EXPECT_EQ(parse("1h2m3s4ms"), milliseconds(3723004));
  EXPECT_EQ(parse("90s"), milliseconds(90000));
}

TEST(Duration, WordsAreRejectedWithAHint) {
  std::string error = error_of("10 minutes");
  EXPECT_NE(error.find("\"10 minutes\" is not a valid duration"), std::string::npos) << error;
  EXPECT_NE(error.find("\"1h30m\""), std::string::npos) << error;
}

TEST(Duration, NegativeIsRejected) { EXPECT_NE(error_of("-1s").find("cannot be negative"), std::string::npos); }

TEST(Duration, OtherMistakes) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("30").find("needs a unit"), std::string::npos);
  EXPECT_NE(error_of("0s").find("longer than zero"), std::string::npos);
  EXPECT_NE(error_of("1m1h").find("largest to smallest"), std::string::npos);
  EXPECT_NE(error_of("1s1s").find("largest to smallest"), std::string::npos);
  EXPECT_NE(error_of("1.5h").find("needs a unit"), std::string::npos);
  EXPECT_NE(error_of("99999999999999999999h").find("longer than 1000h"), std::string::npos);
  EXPECT_NE(error_of("1001h").find("longer than 1000h"), std::string::npos);
}

}  // namespace
}  // namespace config
