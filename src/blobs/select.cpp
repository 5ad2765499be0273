#include "blobs/select.h"

#include <algorithm>

#include "config/glob.h"

namespace blobs {

Result<std::vector<std::string>> select_files(const std::filesystem::path& root,
                                              const std::vector<std::string>& patterns) {
  std::string error;
  auto globs = config::GlobList::compile(patterns, error);
  if (!globs) return Error{ErrorKind::Invalid, "artifact pattern: " + error};
  std::vector<std::string> selected;
  std::error_code failure;
  std::filesystem::recursive_directory_iterator walk(root, failure);
  if (failure) return Error{ErrorKind::Io, "cannot read " + root.string() + ": " + failure.message()};
  for (auto end = std::filesystem::recursive_directory_iterator(); walk != end; walk.increment(failure)) {
    if (failure) return Error{ErrorKind::Io, "cannot read under " + root.string() + ": " + failure.message()};
    auto status = walk->symlink_status(failure);
    if (failure) continue;  // vanished while walking
    if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_symlink(status)) continue;
    std::string relative = walk->path().lexically_relative(root).generic_string();
    if (globs->matches(relative)) selected.push_back(std::move(relative));
  }
  std::sort(selected.begin(), selected.end());
  return selected;
}

}  // namespace blobs
