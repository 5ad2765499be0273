// One attempt of one execution: start it (host process or container), wait
// for it under its deadline and the cancel handle, kill what it left, and
// collect its output to the end. The steps are shared with services
// (runner/services.h).
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
  const core::Plan& plan;
  const Options& options;
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

// Where an attempt runs: its workspace (absolute), and the home of its own
// (Options::files; empty: none).
struct AttemptDirs {
  std::string workspace, home;
};

// Runs one attempt; `mask` hides secrets in its output: the run's, with
// those the gates released so far (Options::gate).
AttemptOutcome run_attempt(const AttemptContext& context, ExecutionId id, const core::ExecutionSpec& spec,
                           const AttemptDirs& dirs, const core::SecretMask& mask, std::optional<SteadyTime> deadline);

// --- The steps, shared by executions and services.

// A tag unique to one process tree (kProcessTagVariable), also the name of
// its container.
std::string unique_process_tag();

// The request that runs `script` with /bin/sh -e on this machine in the
// workspace, in the sandbox unless Options::isolation says None, with the
// base environment under `env`; nullopt with `problem` set when there is no
// sandbox. A home given is HOME: bound at kSandboxHome in the sandbox, as
// it is outside.
std::optional<SpawnRequest> host_script_request(const AttemptContext& context, const AttemptDirs& dirs,
                                                const std::string& script, const core::Env& env,
                                                const std::string& tag, std::string& problem);

// The environment a container runtime's client runs with: the base one.
// The container gets only what its command line gives it.
std::vector<std::string> client_environment(const AttemptContext& context, const std::string& tag);

// A started child whose output the pump reads.
struct WatchedChild {
  std::unique_ptr<ChildProcess> process;
  std::shared_ptr<Capture> capture;
};

// Starts the request with its lines going to `lines`, masked with `mask`
// (null: the run's). Throws std::system_error.
WatchedChild start_watched(const AttemptContext& context, const SpawnRequest& request, Capture::LinesHandler lines,
                           const core::SecretMask* mask = nullptr);

// Ends a child: when `stop`, it is stopped first (a container through
// `runtime`, when given: killing its client alone would leave it running);
// then everything tagged `tag` or in its group is killed, the child reaped
// and its output read to the end. Returns its wait status.
int finish_child(const AttemptContext& context, WatchedChild& child, const std::string& tag,
                 const ContainerRuntime* runtime, bool stop);

}  // namespace runner
