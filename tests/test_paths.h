// Where tests find the source tree, the shared reference material beside it
// (../shared: the HCL corpus and the example repositories) and the `factory`
// binary. Defined in one file generated at configure time (see
// cmake/Factory.cmake), so that no other test file depends on the checkout's
// path and ccache serves them from any clone.
#pragma once

#include <filesystem>

namespace testpaths {

std::filesystem::path source_dir();
std::filesystem::path shared_dir();
std::filesystem::path factory_binary();

}  // namespace testpaths
