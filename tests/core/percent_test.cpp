// Percent-decoding of URL parts.
#include "core/percent.h"

#include <gtest/gtest.h>

namespace core {
namespace {

TEST(PercentDecode, DecodesEscapesAndKeepsOtherText) {
  EXPECT_EQ(percent_decode("a%20b%2Fc%e2%82%AC", false), "a b/c\xe2\x82\xac");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("%", false), std::nullopt);
  EXPECT_EQ(percent_decode("ab%4", false), std::nullopt);
  EXPECT_EQ(percent_decode("%zz", false), std::nullopt);
  EXPECT_EQ(percent_decode("%41%", false), std::nullopt);
}

}  // namespace
}  // namespace core
