// Helpers of the git tests: files written into a source repository, and
// shell commands (git) that must succeed.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace git::testing {

inline void write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

inline void run(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

}  // namespace git::testing
