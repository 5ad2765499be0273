// hashfiles(pattern, ...): a digest of the commit's files that the patterns
// match, for cache keys (docs/configuration.md#hashfiles).
//
// The files are the regular files under the source tree's root whose paths
// relative to it ('/' between components) the patterns match, read as one
// config/glob.h list: `**` crosses directories, `!pattern` excludes, the last
// match decides. Never read: the `.git` directory at the root, anything but
// regular files, a symbolic link that leads out of the tree or to anything
// but a regular file, and what lies under a symbolic link to a directory.
// The digest is the lowercase hex SHA-256 of, for each file in byte order of
// its path, the path, a zero byte, the hex SHA-256 of its content and a
// newline; the empty string when no file matches.
//
// A configuration is untrusted: a pattern may not be absolute or have a ".."
// component; at most HashLimits::files files and HashLimits::bytes bytes are hashed
// (more is an error naming the bound); the walk and the reads count towards
// the evaluation's budget (hcl::Budget::current()), so its deadline holds.
//
// Thread-safety: a FileHasher serves one evaluation at a time; the function
// table shares it, so a table is used by one thread at a time too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "hcl/functions.h"

namespace config {

// What one hashfiles() call may hash.
struct HashLimits {
  size_t files = 10'000;
  std::uint64_t bytes = std::uint64_t{256} << 20;
};

class FileHasher {
 public:
  // What `factory lint` and validation stand in for the digest: they read
  // no files, so a key is checked without a checkout.
  static constexpr std::string_view kUnreadDigest = "0000000000000000000000000000000000000000000000000000000000000000";

  // hashfiles() over the files under `root`. An empty root (planning
  // without the commit's files): hashfiles() fails, saying so.
  static FileHasher of_tree(std::filesystem::path root, HashLimits limits = {});
  // Checking without a tree (`factory lint`): checks the patterns and answers kUnreadDigest.
  static FileHasher without_tree();

  // The digest of the files `patterns` match, computed once per list of
  // patterns. Throws hcl::FunctionError for a bad pattern (naming its
  // index), a bound exceeded or a file that cannot be read.
  std::string digest(const std::vector<std::string>& patterns);

 private:
  FileHasher(std::filesystem::path root, bool unread, HashLimits limits)
      : root_(std::move(root)), unread_(unread), limits_(limits) {}
  std::string compute(const std::vector<std::string>& patterns) const;

  std::filesystem::path root_;
  bool unread_;
  HashLimits limits_;
  std::map<std::vector<std::string>, std::string> digests_;
};

// The functions configuration expressions call: the standard ones and
// hashfiles(), answered by `hasher`.
std::shared_ptr<const hcl::FunctionTable> configuration_functions(std::shared_ptr<FileHasher> hasher);

}  // namespace config
