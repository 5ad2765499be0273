// Runs a workflow Plan on this machine: the engine behind `factory run` and
// the build agent.
//
// Contract:
// - Pipelines start when every pipeline they depend on succeeded; a failed,
//   skipped or cancelled dependency makes the dependant `skipped`.
//   Independent pipelines run in parallel.
// - Stages of a pipeline run in order; the executions of a stage run in
//   parallel. A failed execution that is not allow_failure fails its stage;
//   the remaining stages are skipped and the pipeline fails.
// - A stage or execution the plan skips (its skip_reason) does not run: it
//   goes from queued to skipped, with that reason, and its stage or pipeline
//   goes on. A pipeline whose every stage the plan skips is skipped (so are
//   its dependants, as above).
// - At most `jobs` executions run at the same time, across all pipelines.
//   Kept executions (Options::kept) take no slot: they never run.
// - Each execution is `/bin/sh -e -c <run>` in its workspace (a copy of the
//   checked-out commit of its own, or its pipeline's: Options), in its own
//   process group, stdin /dev/null, inside a bubblewrap sandbox that shows it
//   only the workspace, a private /tmp and the system read-only
//   (runner/sandbox.h); with an image, the same inside a container. Without
//   a working bwrap, sandboxed executions fail with an error saying so: they
//   never run unsandboxed unless Options::isolation says None. When an execution ends, times out or is cancelled, every
//   process it started is killed (SIGTERM, SIGKILL after the grace period),
//   also those that left its process group.
// - A pipeline's services start before its first stage and must each be
//   ready within their ready timeout, else the pipeline fails with the
//   reason and its stages are skipped. They are stopped, with every process
//   they started, when the pipeline ends, whatever its result
//   (runner/services.h).
// - After each attempt that ran, an execution's test reports
//   (ExecutionSpec::reports) are read from its workspace; the result's
//   `tests` are the last attempt's, flaky tests marked (runner/test_reports.h).
// - run_plan returns when everything has finished and no process is left.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"
#include "core/secret_mask.h"
#include "core/status.h"
#include "core/test_results.h"

namespace runner {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// How to start containers for executions that name an image.
struct ContainerOptions {
  enum class Runtime { Auto, Podman, Docker, None };
  Runtime runtime = Runtime::Auto;  // Auto: podman if it works, else docker
  // Given before `run` (e.g. podman's `--runtime runc`) and right after it
  // (e.g. `--network=none`). Both left empty, podman gets what this kind of
  // machine needs (see detect_container_runtime).
  std::vector<std::string> global_args;
  std::vector<std::string> run_args;
};

// How host executions (those without an image) are kept from the machine.
enum class Isolation {
  Sandbox,  // bubblewrap: the workspace, a private /tmp and HOME, the system read-only
  None,     // a plain process of this user, seeing all it can see (docs/runner.md#sandbox)
};

// Indexes into Plan::pipelines[pipeline].stages[stage].executions[execution].
struct ExecutionId {
  std::size_t pipeline = 0, stage = 0, execution = 0;
  friend bool operator==(const ExecutionId&, const ExecutionId&) = default;
};

// An execution not to run: it ends at once with the result an earlier run
// gave it (a rerun of part of a workflow keeps what succeeded). Its stage
// and pipeline go on as if it had run; a kept `skipped` fails nothing.
struct KeptExecution {
  ExecutionId id;
  core::Status status = core::Status::Success;  // final
  std::string reason;                           // for people: where the result comes from
};

// What a pipeline's gate decided (PipelineSpec::gated; docs/agents.md,
// "The pipeline gate").
struct GateOpening {
  core::Status status = core::Status::Running;  // Running: start; Skipped, Cancelled or Error: end so, never run
  std::string reason;                           // why not, for people
  // Running: joins the environment of the pipeline's executions (over their
  // own), and is masked in the output of every execution that starts from
  // then on, of any pipeline.
  core::Env secrets;
};

class CancelHandle;
class BuildFiles;

// Asked on the pipeline's own thread once its dependencies succeeded, before
// its first stage and holding no job slot. It may block (a pipeline waiting
// for its concurrency group or an approval), but must return soon after the
// run's cancel handle is cancelled.
using Gate = std::function<GateOpening(std::size_t pipeline, const CancelHandle& cancel)>;

struct Options {
  // The checked-out commit. With `workspaces` set, each execution (each
  // attempt of it) runs in a copy of its own, made below `workspaces`: of
  // the commit in a pipeline's first stage, and in a later stage of what the
  // stages before left (a stage's executions hand on what they changed, the
  // later execution's version where two changed one path). A pipeline with a
  // shared workspace runs all its executions in one copy. Copies go as soon
  // as nothing needs them (docs/runner.md#workspaces). `workspaces` must be
  // a directory of this run's own, not inside `workspace`. Without it, every
  // execution runs in `workspace` itself.
  std::string workspace;
  std::string workspaces;
  std::size_t jobs = 4;         // executions running at the same time (>= 1)
  core::Env base_env;           // under each execution's own env (host processes only)
  Isolation isolation = Isolation::Sandbox;
  std::chrono::milliseconds kill_grace{5000};  // SIGTERM → SIGKILL
  ContainerOptions containers;
  // Hides secrets in the output lines before they are cut to the line bound
  // and handed to the observer (docs/secrets.md, "Masking").
  core::SecretMask mask;
  std::vector<KeptExecution> kept;
  // Asked for each gated pipeline; empty: every pipeline starts at once
  // (`factory run`, which has no server to ask).
  Gate gate;
  // Caches and artifacts (runner/build_files.h); used with `workspaces`
  // only. Each execution then also gets a home of its own below
  // `workspaces`, fresh at each attempt, which its caches' "~/" paths are
  // in: HOME in the sandbox (bound at kSandboxHome), and in a container or
  // an unsandboxed process when one of its caches names a "~/" path.
  BuildFiles* files = nullptr;
};

struct ExecutionResult {
  core::Status status = core::Status::Queued;
  int exit_code = -1;     // last attempt's; a death by signal N is 128 + N
  int term_signal = 0;    // the signal that ended the last attempt, 0 if none
  int attempts = 0;
  bool timed_out = false;
  std::string error;      // why it could not run (status error)
  std::string kept;         // it did not run: where its result comes from (KeptExecution::reason)
  std::string skip_reason;  // skipped: the plan's reason (ExecutionSpec::skip_reason), if it gave one
  // Set when it ends, from its test reports (ExecutionSpec::reports): those
  // of its last attempt that wrote any, flaky tests marked. None when it has
  // no reports or no attempt wrote one (runner/test_reports.h).
  std::optional<core::TestResults> tests;
  TimePoint started{}, finished{};
};

struct StageResult {
  core::Status status = core::Status::Queued;
  std::string skip_reason;  // skipped: the plan's reason (StageSpec::skip_reason), if it gave one
  TimePoint started{}, finished{};
  std::vector<ExecutionResult> executions;
};

struct PipelineResult {
  core::Status status = core::Status::Queued;
  bool timed_out = false;
  std::string skip_reason;  // skipped because the plan skips every stage: says so
  TimePoint started{}, finished{};
  std::vector<StageResult> stages;
  // Its services, as PipelineSpec::services: running once started; success
  // when stopped after it was ready; failure, with its `error`, when it never
  // got ready or ended before it was stopped.
  std::vector<ExecutionResult> services;
  // Why it ended before its stages ran ("service db was not ready after 30s: ...", or what its gate said).
  std::string error;
};

struct RunResult {
  core::Status status = core::Status::Queued;  // success only if every pipeline succeeded
  TimePoint started{}, finished{};
  std::vector<PipelineResult> pipelines;  // same order as Plan::pipelines
};

enum class Stream { Stdout, Stderr };

// Lines of one stream of one execution, read together.
struct OutputLines {
  ExecutionId execution;
  Stream stream;
  TimePoint time;                           // when the runner read them
  std::span<const std::string_view> lines;  // without newlines, masked; valid during the call only
  // Set: the lines are of Plan::pipelines[execution.pipeline].services[*service], not of an execution.
  std::optional<std::size_t> service;
};

// Receives everything that happens during a run.
// Thread-safety: calls come from several runner threads but never overlap
// (the runner serializes them), so an implementation needs no locking of its
// own for state touched only here. Calls must return quickly and must not
// call back into the runner.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void pipeline_changed(std::size_t pipeline, const PipelineResult& result) = 0;
  virtual void stage_changed(std::size_t pipeline, std::size_t stage, const StageResult& result) = 0;
  virtual void execution_changed(ExecutionId id, const ExecutionResult& result) = 0;
  // Service `service` of PipelineSpec::services.
  virtual void service_changed(std::size_t pipeline, std::size_t service, const ExecutionResult& result) = 0;
  // One call per read of a pipe, not per line: an execution may print
  // millions of lines.
  virtual void output(const OutputLines& output) = 0;
};

// Asks a running run_plan to stop: everything running is killed, everything
// not finished is marked cancelled. cancel() is async-signal-safe, so a
// signal handler may call it. Thread-safety: every member may be called from
// any thread.
class CancelHandle {
 public:
  CancelHandle();
  ~CancelHandle();
  CancelHandle(const CancelHandle&) = delete;
  CancelHandle& operator=(const CancelHandle&) = delete;

  void cancel() noexcept;
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  // Becomes readable (and stays so) once cancel() was called: poll it.
  int fd() const noexcept { return event_fd_; }

 private:
  std::atomic<bool> cancelled_{false};
  int event_fd_ = -1;
};

// Runs the plan; blocks until all of it finished. The calling process becomes
// a child subreaper (PR_SET_CHILD_SUBREAPER) so that processes escaping an
// execution stay findable; the runner reaps only processes it started.
RunResult run_plan(const core::Plan& plan, const Options& options, Observer& observer,
                   CancelHandle& cancel);

}  // namespace runner
