// One attempt of one execution: start it (host process or container), wait
// for it under its deadline and the cancel handle, kill what it left, and
// collect its output to the end.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/plan.h"
#include "runner/container_runtime.h"
#include "runner/output_pump.h"
#include "runner/process.h"
#include "runner/reporter.h"
#include "runner/runner.h"
#include "runner/sandbox.h"

namespace runner {

// What a run shares with each of its attempts.
struct AttemptContext {
  const Options& options;
  std::string workspace;  // absolute
  Reporter& reporter;
  OutputPump& pump;
  CancelHandle& cancel;
  // Detected on first use: most plans name no image, and sandboxes are
  // needed only with Isolation::Sandbox.
  std::function<const ContainerRuntime*(std::string& problem)> container_runtime;
  std::function<const Sandbox*(std::string& problem)> sandbox;
};

struct AttemptOutcome {
  core::Status status = core::Status::Error;
  int exit_code = -1;
  int term_signal = 0;
  bool timed_out = false;
  std::string error;
};

// `mask` hides secrets in the attempt's output: the run's, or its pipeline's.
AttemptOutcome run_attempt(const AttemptContext& context, ExecutionId id, const core::ExecutionSpec& spec,
                           const core::SecretMask& mask, std::optional<SteadyTime> deadline);

}  // namespace runner
