#include "core/schedule_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

TEST(ScheduleName, OneInertWord) {
  for (const char* good : {"nightly", "weekly-docs", "release_1.x", "0300", "N"})
    EXPECT_EQ(core::schedule_name_problem(good), "") << good;
  for (const std::string& bad : std::vector<std::string>{"", "-nightly", ".hidden", "night ly", "$(reboot)", "a;b", "naïve", std::string(65, 'a')})
    EXPECT_EQ(core::schedule_name_problem(bad),
              "a schedule name has 1 to 64 letters, digits, '-', '_' and '.', starting with a letter or a digit")
        << bad;
  EXPECT_EQ(core::schedule_name_problem(std::string(64, 'a')), "");
}

}  // namespace
