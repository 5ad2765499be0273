// Where tests find the source tree, the shared reference material beside it
// (../shared: the HCL corpus and the example repositories) and the `factory`
// binary. Fixed at configure time by factory_test() in cmake/Factory.cmake.
#pragma once

#include <filesystem>

namespace testpaths {

inline std::filesystem::path source_dir() { return FACTORY_TEST_SOURCE_DIR; }
inline std::filesystem::path shared_dir() { return FACTORY_TEST_SHARED_DIR; }
inline std::filesystem::path factory_binary() { return FACTORY_TEST_BINARY; }

}  // namespace testpaths
