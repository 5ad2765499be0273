// Artifact patterns over a directory: which files `dist/**` or
// `reports/*.xml` name. Patterns are config/glob.h's (`**` crosses
// directories, `!pattern` excludes, the last match decides), matched against
// each file's path relative to the root, with '/' between components.
// Thread-safety: a pure function of the file system.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "blobs/result.h"

namespace blobs {

// The regular files and symlinks under `root` that the patterns match, as
// relative paths in sorted order, ready for pack(). Symlinks to directories
// are not followed. Invalid for a bad pattern (the message names it).
Result<std::vector<std::string>> select_files(const std::filesystem::path& root,
                                              const std::vector<std::string>& patterns);

}  // namespace blobs
