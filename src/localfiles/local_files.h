// The caches and artifacts of `factory run` (README.md, "Caches and artifacts
// of local runs"): the runner's FileKeeper over a store in a folder of the
// user's, by default $XDG_CACHE_HOME/factory (~/.cache/factory):
//
//   <cache dir>/blobs/, uploads/   the blobs (blobs::DirectoryStore)
//   <cache dir>/caches.json        the cache entries: scope, key, digest, size, times
//   <artifacts dir>/PIPELINE/STAGE/EXECUTION/PATH   the artifacts a run kept
//
// Scopes follow the server's rules with a repository's branches: a run reads
// the entries of its own scope first, then those of the default one, and
// writes into its own. When the entries' blobs pass `limit_bytes`, the
// least recently used entries go. The index is read and rewritten under an
// flock (caches.json.lock), and replaced with a rename: several runs may
// share the folder.
//
// Thread-safety: as runner::FileKeeper, from any number of threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "blobs/directory_store.h"
#include "core/plan.h"
#include "runner/execution_files.h"

namespace localfiles {

struct LocalFilesOptions {
  std::filesystem::path cache_dir;
  std::string scope;          // the run's: "<repository folder>@<branch>"
  std::string default_scope;  // read after the run's own
  bool caches = true;         // false: every cache misses and nothing is saved (`--no-cache`)
  std::uint64_t limit_bytes = std::uint64_t{10} << 30;
  std::filesystem::path artifacts_dir;  // created when the first artifact is kept
};

// $XDG_CACHE_HOME/factory, else $HOME/.cache/factory.
std::filesystem::path default_cache_dir();

class LocalFiles : public runner::FileKeeper {
 public:
  // Creates the cache folder if missing. `plan` names the artifacts' folders
  // and must outlive this.
  static blobs::Result<std::unique_ptr<LocalFiles>> open(LocalFilesOptions options, const core::Plan& plan);

  blobs::Result<std::optional<runner::CacheHit>> find_cache(const core::CacheSpec& cache) override;
  blobs::Status fetch(const std::string& digest, const std::filesystem::path& to) override;
  blobs::Result<std::string> save_cache(const core::CacheSpec& cache, const blobs::PackResult& packed,
                                        const std::filesystem::path& archive) override;
  blobs::Status keep_artifact(runner::ExecutionId id, const runner::KeptArtifact& artifact,
                              const std::filesystem::path& file) override;

  // How many files were kept as artifacts so far, and where.
  std::size_t artifacts_kept() const;
  const std::filesystem::path& artifacts_dir() const { return options_.artifacts_dir; }

 private:
  LocalFiles(LocalFilesOptions options, const core::Plan& plan, std::unique_ptr<blobs::DirectoryStore> store);
  std::filesystem::path artifact_place(runner::ExecutionId id, const std::string& path) const;

  const LocalFilesOptions options_;
  const core::Plan& plan_;
  const std::unique_ptr<blobs::DirectoryStore> store_;
  mutable std::mutex mutex_;
  std::map<std::string, std::filesystem::path> artifact_copies_;  // by digest: where a kept one is
  std::size_t artifacts_kept_ = 0;
};

}  // namespace localfiles
