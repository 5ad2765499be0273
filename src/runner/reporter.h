// The result tree of a run, kept current as things happen, and the one place
// that calls the Observer: under a single lock, so its calls never overlap.
#pragma once

#include <functional>
#include <mutex>

#include "core/plan.h"
#include "runner/runner.h"

namespace runner {

// Thread-safety: every member may be called from any thread.
class Reporter {
 public:
  Reporter(const core::Plan& plan, Observer& observer);

  // Each update applies `change` under the lock and tells the observer.
  void update_pipeline(std::size_t pipeline, const std::function<void(PipelineResult&)>& change);
  void update_stage(std::size_t pipeline, std::size_t stage,
                    const std::function<void(StageResult&)>& change);
  void update_execution(ExecutionId id, const std::function<void(ExecutionResult&)>& change);
  void update_service(std::size_t pipeline, std::size_t service, const std::function<void(ExecutionResult&)>& change);
  void output(const OutputLines& output);

  // Marks stages [first_stage, end) of a pipeline and their executions with
  // `status` (skipped or cancelled): they will not run. Skipped ones get
  // the plan's skip reasons. From the first stage, also the services that
  // never started.
  void mark_not_run(std::size_t pipeline, std::size_t first_stage, core::Status status);
  // Marks one stage the plan skips, and its executions, skipped.
  void skip_stage(std::size_t pipeline, std::size_t stage);

  core::Status pipeline_status(std::size_t pipeline) const;
  StageResult stage(std::size_t pipeline, std::size_t stage) const;
  RunResult snapshot() const;

 private:
  // Called with mutex_ held.
  void mark_stage(std::size_t pipeline, std::size_t stage, core::Status status);

  const core::Plan& plan_;
  mutable std::mutex mutex_;
  Observer& observer_;
  RunResult result_;
};

}  // namespace runner
