// An execution's test reports (ExecutionSpec::reports) over its attempts:
// after each attempt that ran, the report files its patterns match in the
// attempt's workspace are read (reports/junit.h), and their totals, or why a
// report could not be read, go into the execution's log. The results are
// the last attempt's that had reports, flaky tests marked
// (reports/execution_tests.h). A bad report never fails the execution.
//
// Only reports written during the attempt count: a file older than the
// attempt's start (committed to the repository, left by an earlier attempt
// in a shared workspace or by an earlier `factory run --in-place`) is left
// out, and the log says so.
//
// Thread-safety: one per execution, used by its thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

#include "core/plan.h"
#include "core/secret_mask.h"
#include "core/test_results.h"
#include "reports/execution_tests.h"
#include "runner/build_files.h"

namespace runner {

// The most report files one attempt reads.
inline constexpr std::size_t kMaxReportFiles = 1'000;

class TestReports {
 public:
  // When an attempt starts: a report written before that is not of it.
  // The file system's coarse clock, the one file times are written by.
  static std::filesystem::file_time_type attempt_start();

  explicit TestReports(const core::ExecutionSpec& spec) : spec_{spec} {}
  // Reads the reports of an attempt that ran in `workspace` since `since`.
  void read_attempt(const std::filesystem::path& workspace, std::filesystem::file_time_type since,
                    const FilesLog& log);
  // Nullopt when the execution has no reports or no attempt wrote one.
  // Secrets are hidden in every text as in the execution's output: a
  // report is written by the build.
  std::optional<core::TestResults> results(const core::SecretMask& mask) const;

 private:
  const core::ExecutionSpec& spec_;
  reports::ExecutionTests tests_;
  bool read_ = false;
};

}  // namespace runner
