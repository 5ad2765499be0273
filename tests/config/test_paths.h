// Where the tests find the shared material and the `factory` binary: from
// the environment CTest gives them, else from where a build tree puts them.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace config::testing {

inline std::filesystem::path shared_dir() {
  if (const char* dir = std::getenv("FACTORY_SHARED_DIR")) return dir;
  if (const char* source = std::getenv("FACTORY_SOURCE_DIR")) return std::filesystem::path(source) / ".." / "shared";
  return "/work/shared";
}

// The binary sits at the top of the build tree; this test at tests/config/.
inline std::filesystem::path factory_binary() {
  if (const char* binary = std::getenv("FACTORY_BINARY")) return binary;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path().parent_path() / "factory";
}

}  // namespace config::testing
