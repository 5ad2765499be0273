// The GoogleTest report junit_test.cpp reads: one test of each outcome.
#include <gtest/gtest.h>

namespace {

int add(int a, int b) { return a + b; }

TEST(Sample, Passes) { EXPECT_EQ(add(1, 1), 2); }

TEST(Sample, Fails) {
  std::printf("adding one and one\n");
  EXPECT_EQ(add(1, 1), 3) << "one and one";
  EXPECT_EQ(add(2, 2), 5) << "two and two";
}

TEST(Sample, Skips) { GTEST_SKIP() << "not on this machine"; }

TEST(Sample, DISABLED_IsDisabled) {}

}  // namespace
