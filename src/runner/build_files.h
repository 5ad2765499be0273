// What happens to an execution's files around its run: its caches restored
// before it and saved after it, the artifacts of earlier executions it needs
// unpacked before it, its own artifacts kept after it
// (docs/runner.md#caches-and-artifacts). The runner calls a BuildFiles when
// Options::files is set; runner/execution_files.h implements it over a
// FileKeeper (the server for an agent, a local store for `factory run`).
//
// Contract, as the runner calls it:
// - prepare() before each attempt, once its workspace and home are fresh;
//   finish() once after the last attempt, with the execution's status, while
//   its workspace and home are still there. Neither is called for an
//   execution that does not run (skipped, kept, cancelled before it started).
// - The lines they log go into the execution's output, masked like it.
// Thread-safety: called from several executions' threads at once.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/plan.h"
#include "core/result.h"
#include "core/status.h"

namespace runner {

struct ExecutionId;

// Where an attempt runs: its workspace, and the home its `~/` stands for.
struct ExecutionDirs {
  std::filesystem::path workspace, home;
};

using FilesLog = std::function<void(std::string_view line)>;

// An error is a sentence for people.
using FilesOutcome = core::Result<void, std::string>;

class BuildFiles {
 public:
  virtual ~BuildFiles() = default;
  // Restores the caches (a cache that cannot be had is a miss) and unpacks
  // the artifacts the execution needs: an error when one cannot be had, and
  // the attempt then ends in error without running.
  virtual FilesOutcome prepare(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                               const FilesLog& log) = 0;
  // Saves the caches whose key missed when `status` is success, and keeps
  // the artifacts as the execution's artifacts_when says: an error when they
  // cannot be kept, which turns a success into an error.
  virtual FilesOutcome finish(ExecutionId id, const core::ExecutionSpec& spec, const ExecutionDirs& dirs,
                              core::Status status, const FilesLog& log) = 0;
};

}  // namespace runner
