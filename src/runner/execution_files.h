// Caches and artifacts around executions (runner/build_files.h), the same
// rules wherever the blobs are kept: a FileKeeper says where (the server,
// through the agent protocol: agent/server_files.h; a local store for
// `factory run`: localfiles/local_files.h).
//
//   ExecutionFiles files{keeper, scratch};   // scratch: a folder of this run's own
//   options.files = &files;
//   runner::run_plan(plan, options, observer, cancel);
//
// Caches are packed into one tar.zst archive (blobs/archive.h) per cache,
// written to a scratch file and handed to the keeper; restored by fetching
// that archive to a scratch file and unpacking it. An entry that cannot be
// fetched or unpacked (a corrupt blob among them) is a miss, and what it
// unpacked is removed. Artifacts are kept file by file, each a blob of its
// own bytes, so that each downloads as itself; an execution that needs them
// receives each at its path. Neither follows a symbolic link out of the
// workspace or the home: a link is packed as a link, and an artifact that is
// a link is left out (a build could point one at the agent's own files).
//
// Thread-safety: as BuildFiles. The keeper is called from several threads
// at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "blobs/archive.h"
#include "blobs/result.h"
#include "runner/build_files.h"
#include "runner/runner.h"

namespace runner {

// The most files one execution keeps as artifacts.
inline constexpr std::size_t kMaxArtifactFiles = 10'000;

struct CacheHit {
  std::string key;  // the entry's
  std::string digest;
  std::uint64_t size = 0;
  bool exact = false;  // the cache's own key, not a restore_keys prefix
};

// One file an execution kept.
struct KeptArtifact {
  std::string path;  // relative to its workspace, with '/'
  std::string digest;
  std::uint64_t size = 0;
};

class FileKeeper {
 public:
  virtual ~FileKeeper() = default;
  // The entry to restore, or nullopt for a miss.
  virtual blobs::Result<std::optional<CacheHit>> find_cache(const core::CacheSpec& cache) = 0;
  // The blob `digest` into the file `to` (created or replaced), verified:
  // Corrupt when its bytes do not match.
  virtual blobs::Status fetch(const std::string& digest, const std::filesystem::path& to) = 0;
  // Keeps `archive` (packed from the cache's paths) as the entry of its key.
  // The answer is for people: where it went ("saved npm-3f2a"), or why
  // nothing was written (another build saved that key first).
  virtual blobs::Result<std::string> save_cache(const core::CacheSpec& cache, const blobs::PackResult& packed,
                                                const std::filesystem::path& archive) = 0;
  // Keeps `file` as an artifact of the execution.
  virtual blobs::Status keep_artifact(ExecutionId id, const KeptArtifact& artifact,
                                      const std::filesystem::path& file) = 0;
};

class ExecutionFiles : public BuildFiles {
 public:
  // `keeper` must outlive this; `scratch` is an existing folder for archives
  // on their way, which nothing else writes to.
  ExecutionFiles(FileKeeper& keeper, std::filesystem::path scratch);

  FilesOutcome prepare(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                       const FilesLog& log) override;
  FilesOutcome finish(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                      core::Status status, const FilesLog& log) override;
  // What an execution the run keeps without running (Options::kept) had
  // kept when it ran: the keeper can fetch each by its digest.
  void add_kept(ExecutionId id, std::vector<KeptArtifact> artifacts);

 private:
  using Key = std::tuple<std::size_t, std::size_t, std::size_t>;
  static Key key_of(ExecutionId id);
  std::filesystem::path scratch_file(ExecutionId id, std::string_view what) const;
  enum class Restored { Nothing, Prefix, Key };  // a miss, an entry of a restore_keys prefix, of the key
  Restored restore(ExecutionId id, const core::CacheSpec& cache, const ExecutionDirs& dirs, const FilesLog& log);
  void save(ExecutionId id, const core::CacheSpec& cache, const ExecutionDirs& dirs, const FilesLog& log);
  FilesOutcome receive(const core::ArtifactSource& source, const ExecutionDirs& dirs, const FilesLog& log);
  FilesOutcome keep_artifacts(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                              const FilesLog& log);

  FileKeeper& keeper_;
  const std::filesystem::path scratch_;
  std::mutex mutex_;
  // Per execution, what each cache restored (by name): one whose own key
  // was restored is not saved again.
  std::map<Key, std::map<std::string, Restored>> restored_;
  // Per execution that kept its artifacts, what it kept (maybe nothing).
  std::map<Key, std::vector<KeptArtifact>> kept_;
};

}  // namespace runner
