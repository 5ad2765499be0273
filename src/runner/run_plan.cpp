#include <algorithm>
#include <condition_variable>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "runner/build_files.h"
#include "runner/execution_attempt.h"
#include "runner/job_slots.h"
#include "runner/process_sweep.h"
#include "runner/reporter.h"
#include "runner/runner.h"
#include "runner/services.h"
#include "runner/test_reports.h"
#include "runner/workspace_tree.h"

namespace runner {

namespace {

using core::Status;
using Deadline = std::optional<SteadyTime>;

bool is_failed(Status status) { return status == Status::Failure || status == Status::Error; }

bool every_stage_skipped(const core::PipelineSpec& pipeline) {
  return !pipeline.stages.empty() && std::all_of(pipeline.stages.begin(), pipeline.stages.end(),
                                                 [](const core::StageSpec& s) { return !s.skip_reason.empty(); });
}

// Something of the machine (a container runtime, a sandbox) found once, the
// first time an execution needs it; null with `problem` set if it is missing.
template <typename Found>
class Detected {
 public:
  using Detect = std::function<std::optional<Found>(std::string& problem)>;
  explicit Detected(Detect detect) : detect_(std::move(detect)) {}
  const Found* get(std::string& problem) {
    std::call_once(once_, [this] { detected_ = detect_(problem_); });
    problem = problem_;
    return detected_ ? &*detected_ : nullptr;
  }

 private:
  Detect detect_;
  std::once_flag once_;
  std::optional<Found> detected_;
  std::string problem_;
};

class PlanRun {
 public:
  PlanRun(const core::Plan& plan, const Options& options, Observer& observer, CancelHandle& cancel)
      : plan_(plan),
        options_(options),
        cancel_(cancel),
        reporter_(plan, observer),
        slots_(options.jobs),
        containers_([&containers = options.containers](std::string& problem) {
          return detect_container_runtime(containers, problem);
        }),
        sandbox_(detect_sandbox),
        source_(std::filesystem::absolute(options.workspace)),
        pipeline_workspaces_(plan.pipelines.size()),
        context_{plan,
                 options,
                 reporter_,
                 pump_,
                 cancel,
                 [this](std::string& problem) { return containers_.get(problem); },
                 [this](std::string& problem) { return sandbox_.get(problem); }},
        opened_(plan.pipelines.size()),
        mask_(std::make_shared<const core::SecretMask>(options.mask)) {}

  RunResult run();

 private:
  void run_pipeline(std::size_t p);
  std::optional<Status> status_before_start(std::size_t p);
  GateOpening pass_gate(std::size_t p);
  // The pipeline as its executions run: the plan's, or with the secrets its
  // gate released.
  const core::PipelineSpec& pipeline(std::size_t p) const { return opened_[p] ? *opened_[p] : plan_.pipelines[p]; }
  // What an execution starting now hides in its output: the run's secrets,
  // and every secret a gate has released in this run so far, whichever
  // pipeline it went to (a later pipeline may print one from a file).
  std::shared_ptr<const core::SecretMask> current_mask() const {
    std::lock_guard lock{mask_mutex_};
    return mask_;
  }
  Status run_stages(std::size_t p, Deadline deadline);
  Status run_stage(std::size_t p, std::size_t s, Deadline deadline);
  void run_execution(ExecutionId id, Deadline deadline);
  bool uses_copies() const { return !options_.workspaces.empty(); }
  std::string workspace_path(const std::string& name) const;
  std::string execution_workspace(ExecutionId id) const;
  void make_pipeline_workspace(std::size_t p);
  AttemptOutcome run_in_workspace(ExecutionId id, const core::ExecutionSpec& spec, Deadline deadline,
                                  TestReports& reports);
  // The attempt's workspace, made (a fresh copy) when it has one of its own;
  // empty with `error` set when it cannot be had.
  std::string attempt_workspace(ExecutionId id, bool fresh, std::string& error);
  bool keeps_files() const { return options_.files && uses_copies(); }
  std::string execution_home(ExecutionId id) const;
  FilesLog files_log(ExecutionId id);
  FilesOutcome prepare_files(ExecutionId id, const core::ExecutionSpec& spec, const AttemptDirs& dirs);
  void finish_files(ExecutionId id, const core::ExecutionSpec& spec, AttemptOutcome& outcome);
  Status finish_stage_workspaces(std::size_t p, std::size_t s, Status status);
  const KeptExecution* kept_execution(ExecutionId id) const;
  Status stage_status(std::size_t p, std::size_t s) const;
  void finish_pipeline(std::size_t p, Status status, bool timed_out, std::string skip_reason = {});

  const core::Plan& plan_;
  const Options& options_;
  CancelHandle& cancel_;
  Reporter reporter_;
  OutputPump pump_;
  JobSlots slots_;
  Detected<ContainerRuntime> containers_;
  Detected<Sandbox> sandbox_;
  std::filesystem::path source_;  // the checked-out commit, absolute
  // A pipeline's own workspace while it runs, when it needs one (the one its
  // executions share, or what its stages hand on): its path, or why it has none.
  struct PipelineWorkspace {
    std::string path, error;
  };
  std::vector<PipelineWorkspace> pipeline_workspaces_;
  AttemptContext context_;
  PortLocks ports_;
  // Written by a pipeline's own thread before its first stage, read by its
  // executions' threads only after that.
  std::vector<std::unique_ptr<core::PipelineSpec>> opened_;
  mutable std::mutex mask_mutex_;
  std::shared_ptr<const core::SecretMask> mask_;  // grows with each gate's secrets
  std::mutex finished_mutex_;
  std::condition_variable pipeline_finished_;
};

RunResult PlanRun::run() {
  become_subreaper();
  auto started = Clock::now();
  std::vector<std::thread> pipelines;
  for (std::size_t p = 0; p < plan_.pipelines.size(); ++p)
    pipelines.emplace_back([this, p] { run_pipeline(p); });
  for (auto& thread : pipelines) thread.join();

  RunResult result = reporter_.snapshot();
  result.started = started;
  result.finished = Clock::now();
  bool failed = false, cancelled = false;
  for (const auto& pipeline : result.pipelines) {
    failed = failed || is_failed(pipeline.status);
    cancelled = cancelled || pipeline.status == Status::Cancelled;
  }
  result.status = failed ? Status::Failure : cancelled ? Status::Cancelled : Status::Success;
  return result;
}

// Waits for the pipelines this one depends on. Empty: it may start;
// otherwise the status it ends with without running.
std::optional<Status> PlanRun::status_before_start(std::size_t p) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < plan_.pipelines.size(); ++i) index[plan_.pipelines[i].name] = i;
  constexpr auto kCancelCheck = std::chrono::milliseconds(50);
  std::unique_lock lock(finished_mutex_);
  for (const auto& name : plan_.pipelines[p].depends_on) {
    auto found = index.find(name);
    if (found == index.end() || found->second == p) return Status::Skipped;
    for (;;) {
      if (cancel_.cancelled()) return Status::Cancelled;
      auto status = reporter_.pipeline_status(found->second);
      if (core::is_final(status)) {
        if (status != Status::Success) return Status::Skipped;
        break;
      }
      pipeline_finished_.wait_for(lock, kCancelCheck);
    }
  }
  if (cancel_.cancelled()) return Status::Cancelled;
  return std::nullopt;
}

// Asks the gate of a gated pipeline whether it may start; keeps the secrets
// it released for the pipeline's executions, and hides them from then on.
GateOpening PlanRun::pass_gate(std::size_t p) {
  const core::PipelineSpec& spec = plan_.pipelines[p];
  if (!spec.gated() || !options_.gate) return {};
  GateOpening opening = options_.gate(p, cancel_);
  if (cancel_.cancelled()) return {Status::Cancelled, "cancelled", {}};
  if (opening.status != Status::Running || opening.secrets.empty()) return opening;
  auto opened = std::make_unique<core::PipelineSpec>(spec);
  for (auto& stage : opened->stages)
    for (auto& execution : stage.executions)
      for (const auto& [name, value] : opening.secrets) execution.env[name] = value;
  {
    std::lock_guard lock{mask_mutex_};
    mask_ = std::make_shared<const core::SecretMask>(mask_->with(opening.secrets));
  }
  opened_[p] = std::move(opened);
  return opening;
}

void PlanRun::run_pipeline(std::size_t p) {
  if (auto not_run = status_before_start(p)) {
    reporter_.mark_not_run(p, 0, *not_run);
    finish_pipeline(p, *not_run, false);
    return;
  }
  if (every_stage_skipped(plan_.pipelines[p])) {
    reporter_.mark_not_run(p, 0, Status::Skipped);
    finish_pipeline(p, Status::Skipped, false, "every stage is skipped");
    return;
  }
  if (GateOpening opening = pass_gate(p); opening.status != Status::Running) {
    reporter_.mark_not_run(p, 0, opening.status);
    reporter_.update_pipeline(p, [&opening](PipelineResult& r) { r.error = std::move(opening.reason); });
    finish_pipeline(p, opening.status, false);
    return;
  }
  auto started = std::chrono::steady_clock::now();
  reporter_.update_pipeline(p, [](PipelineResult& r) {
    r.status = Status::Running;
    r.started = Clock::now();
  });
  Deadline deadline;
  if (plan_.pipelines[p].timeout.count() > 0) deadline = started + plan_.pipelines[p].timeout;
  make_pipeline_workspace(p);
  Status status = Status::Success;
  {
    PipelineServices services(context_, p, source_.string(), ports_);
    if (auto failure = services.start(deadline)) {
      reporter_.mark_not_run(p, 0, failure->status == Status::Cancelled ? Status::Cancelled : Status::Skipped);
      reporter_.update_pipeline(p, [&failure](PipelineResult& r) { r.error = failure->reason; });
      status = failure->status;
    } else {
      status = run_stages(p, deadline);
    }
  }  // the services stop here, whatever the result
  if (!pipeline_workspaces_[p].path.empty()) remove_tree(pipeline_workspaces_[p].path);
  bool timed_out = deadline && std::chrono::steady_clock::now() >= *deadline;
  finish_pipeline(p, status, timed_out && status == Status::Failure);
}

Status PlanRun::run_stages(std::size_t p, Deadline deadline) {
  const auto& stages = plan_.pipelines[p].stages;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    if (!stages[s].skip_reason.empty()) {
      reporter_.skip_stage(p, s);
      continue;
    }
    Status status = run_stage(p, s, deadline);
    if (status == Status::Success) continue;
    // A failed stage skips the rest; a cancelled run cancels it.
    reporter_.mark_not_run(p, s + 1, is_failed(status) ? Status::Skipped : Status::Cancelled);
    return status;
  }
  return Status::Success;
}

Status PlanRun::run_stage(std::size_t p, std::size_t s, Deadline deadline) {
  reporter_.update_stage(p, s, [](StageResult& r) {
    r.status = Status::Running;
    r.started = Clock::now();
  });
  std::vector<std::thread> executions;
  for (std::size_t e = 0; e < plan_.pipelines[p].stages[s].executions.size(); ++e)
    executions.emplace_back([this, id = ExecutionId{p, s, e}, deadline] { run_execution(id, deadline); });
  for (auto& thread : executions) thread.join();
  Status status = finish_stage_workspaces(p, s, stage_status(p, s));
  reporter_.update_stage(p, s, [status](StageResult& r) {
    r.status = status;
    r.finished = Clock::now();
  });
  return status;
}

// Failure when an execution that may not fail did not succeed (a timeout
// included); otherwise cancelled if anything was cancelled.
Status PlanRun::stage_status(std::size_t p, std::size_t s) const {
  const auto& specs = plan_.pipelines[p].stages[s].executions;
  auto result = reporter_.stage(p, s);
  bool cancelled = false;
  for (std::size_t e = 0; e < specs.size(); ++e) {
    const auto& execution = result.executions[e];
    if (execution.status == Status::Skipped) continue;
    if (execution.status == Status::Cancelled && !execution.timed_out) {
      cancelled = true;
      continue;
    }
    if (execution.status == Status::Skipped) continue;  // a kept one: it fails nothing
    if (execution.status != Status::Success && !specs[e].allow_failure) return Status::Failure;
  }
  return cancelled ? Status::Cancelled : Status::Success;
}

void PlanRun::run_execution(ExecutionId id, Deadline pipeline_deadline) {
  const auto& spec = pipeline(id.pipeline).stages[id.stage].executions[id.execution];
  if (!spec.skip_reason.empty()) {
    reporter_.update_execution(id, [&spec](ExecutionResult& r) {
      r.status = Status::Skipped;
      r.skip_reason = spec.skip_reason;
    });
    return;
  }
  if (const KeptExecution* kept = kept_execution(id)) {
    reporter_.update_execution(id, [kept](ExecutionResult& r) {
      r.status = kept->status;
      r.kept = kept->reason;
      r.finished = Clock::now();
    });
    return;
  }
  if (!slots_.acquire(cancel_, pipeline_deadline)) {
    bool timed_out = !cancel_.cancelled();
    reporter_.update_execution(id, [timed_out](ExecutionResult& r) {
      r.status = Status::Cancelled;
      r.timed_out = timed_out;
    });
    return;
  }
  AttemptOutcome outcome;
  TestReports reports{spec};
  for (int attempt = 1; attempt <= 1 + std::max(spec.retry, 0); ++attempt) {
    reporter_.update_execution(id, [attempt](ExecutionResult& r) {
      if (attempt == 1) r.started = Clock::now();
      r.status = Status::Running;
      r.attempts = attempt;
    });
    Deadline deadline = pipeline_deadline;
    if (spec.timeout.count() > 0) {
      auto own = std::chrono::steady_clock::now() + spec.timeout;
      if (!deadline || own < *deadline) deadline = own;
    }
    outcome = run_in_workspace(id, spec, deadline, reports);
    bool pipeline_over = pipeline_deadline && std::chrono::steady_clock::now() >= *pipeline_deadline;
    if (outcome.status != Status::Failure || cancel_.cancelled() || pipeline_over) break;
  }
  if (keeps_files()) finish_files(id, spec, outcome);
  slots_.release();
  const std::shared_ptr<const core::SecretMask> mask = current_mask();
  reporter_.update_execution(id, [&outcome, &reports, &mask](ExecutionResult& r) {
    r.status = outcome.status;
    r.exit_code = outcome.exit_code;
    r.term_signal = outcome.term_signal;
    r.timed_out = outcome.timed_out;
    r.error = outcome.error;
    r.tests = reports.results(*mask);
    r.finished = Clock::now();
  });
}

namespace {

AttemptOutcome error_outcome(std::string error) {
  AttemptOutcome outcome;  // an error
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

std::string PlanRun::workspace_path(const std::string& name) const {
  return (std::filesystem::path{options_.workspaces} / name).string();
}

namespace {

std::string execution_suffix(ExecutionId id) {
  return std::to_string(id.pipeline) + "-" + std::to_string(id.stage) + "-" + std::to_string(id.execution);
}

}  // namespace

std::string PlanRun::execution_workspace(ExecutionId id) const {
  return workspace_path("execution-" + execution_suffix(id));
}

std::string PlanRun::execution_home(ExecutionId id) const { return workspace_path("home-" + execution_suffix(id)); }

// A copy of the commit for the pipeline before its first stage, when its
// executions share it or its stages hand files on: a pipeline of one
// isolated stage copies the commit straight into its executions' workspaces.
void PlanRun::make_pipeline_workspace(std::size_t p) {
  const core::PipelineSpec& pipeline = plan_.pipelines[p];
  if (!uses_copies() || (!pipeline.shared_workspace && pipeline.stages.size() < 2)) return;
  const std::string path = workspace_path("pipeline-" + std::to_string(p));
  std::string error;
  if (copy_tree(source_, path, error)) {
    pipeline_workspaces_[p].path = path;
    return;
  }
  remove_tree(path);
  pipeline_workspaces_[p].error = error;
}

// The workspace of an attempt: its pipeline's when shared; otherwise, when
// `fresh`, a new copy of what its stage starts from (the commit, or the
// pipeline's workspace as the earlier stages left it), which stays until the
// stage ends. Without Options::workspaces, the checked-out commit itself.
std::string PlanRun::attempt_workspace(ExecutionId id, bool fresh, std::string& error) {
  if (!uses_copies()) return source_.string();
  const PipelineWorkspace& pipeline = pipeline_workspaces_[id.pipeline];
  if (!pipeline.error.empty()) {
    error = pipeline.error;
    return {};
  }
  if (plan_.pipelines[id.pipeline].shared_workspace) return pipeline.path;
  const std::string own = execution_workspace(id);
  if (!fresh) return own;
  remove_tree(own);  // an earlier attempt's
  if (!copy_tree(pipeline.path.empty() ? source_.string() : pipeline.path, own, error)) return {};
  return own;
}

// One attempt, then its test reports read while its workspace is there
// (an attempt that did not run, or was cancelled, has none to read).
AttemptOutcome PlanRun::run_in_workspace(ExecutionId id, const core::ExecutionSpec& spec, Deadline deadline,
                                         TestReports& reports) {
  const std::shared_ptr<const core::SecretMask> mask = current_mask();  // kept until the attempt ends
  std::string error;
  AttemptDirs dirs{attempt_workspace(id, true, error), {}};
  if (dirs.workspace.empty()) return error_outcome("execution '" + spec.name + "' has no workspace: " + error);
  if (keeps_files()) {
    dirs.home = execution_home(id);
    if (FilesOutcome prepared = prepare_files(id, spec, dirs); !prepared)
      return error_outcome("execution '" + spec.name + "' cannot start: " + prepared.error());
  }
  const auto started = TestReports::attempt_start();
  AttemptOutcome outcome = run_attempt(context_, id, spec, dirs, *mask, deadline);
  if (!spec.reports.empty() && (outcome.status == Status::Success || outcome.status == Status::Failure))
    reports.read_attempt(dirs.workspace, started, files_log(id));
  return outcome;
}

// Lines about an execution's files, in its output as the runner read them.
FilesLog PlanRun::files_log(ExecutionId id) {
  return [this, id](std::string_view line) {
    const std::string masked = current_mask()->apply(line);
    const std::string_view lines[] = {masked};
    reporter_.output(OutputLines{id, Stream::Stdout, Clock::now(), lines});
  };
}

// A fresh home, then the caches and artifacts the attempt starts with.
FilesOutcome PlanRun::prepare_files(ExecutionId id, const core::ExecutionSpec& spec, const AttemptDirs& dirs) {
  remove_tree(dirs.home);
  std::error_code ec;
  if (!std::filesystem::create_directory(dirs.home, ec)) return "its home " + dirs.home + ": " + ec.message();
  return options_.files->prepare(id, spec, {dirs.workspace, dirs.home}, files_log(id));
}

// After the last attempt: its caches and artifacts kept, then its home
// removed. Artifacts that could not be kept turn a success into an error.
void PlanRun::finish_files(ExecutionId id, const core::ExecutionSpec& spec, AttemptOutcome& outcome) {
  const std::string home = execution_home(id);
  std::error_code ec;
  if (outcome.status != Status::Cancelled && std::filesystem::is_directory(home, ec)) {
    std::string error;
    const std::string workspace = attempt_workspace(id, false, error);
    FilesOutcome finished = options_.files->finish(id, spec, {workspace, home}, outcome.status, files_log(id));
    if (!finished && outcome.status == Status::Success) {
      outcome.status = Status::Error;
      outcome.error = "execution '" + spec.name + "': " + finished.error();
    }
  }
  remove_tree(home);
}

// The stage's executions' workspaces go when it ends; what they changed goes
// on to the next stage first, when there is one to run. A stage whose files
// cannot be handed on ends in error.
Status PlanRun::finish_stage_workspaces(std::size_t p, std::size_t s, Status status) {
  const core::PipelineSpec& pipeline = plan_.pipelines[p];
  if (!uses_copies() || pipeline.shared_workspace) return status;
  std::vector<std::filesystem::path> copies;
  for (std::size_t e = 0; e < pipeline.stages[s].executions.size(); ++e) {
    std::filesystem::path own = execution_workspace({p, s, e});
    std::error_code ec;
    if (std::filesystem::is_directory(own, ec)) copies.push_back(std::move(own));
  }
  std::string error;
  if (status == Status::Success && s + 1 < pipeline.stages.size() &&
      !hand_on(pipeline_workspaces_[p].path, copies, error))
    status = Status::Error;
  for (const auto& copy : copies) remove_tree(copy);
  return status;
}

const KeptExecution* PlanRun::kept_execution(ExecutionId id) const {
  for (const KeptExecution& kept : options_.kept)
    if (kept.id == id) return &kept;
  return nullptr;
}

void PlanRun::finish_pipeline(std::size_t p, Status status, bool timed_out, std::string skip_reason) {
  reporter_.update_pipeline(p, [status, timed_out, &skip_reason](PipelineResult& r) {
    r.status = status;
    r.timed_out = timed_out;
    r.skip_reason = std::move(skip_reason);
    if (r.started != TimePoint{}) r.finished = Clock::now();
  });
  std::lock_guard lock(finished_mutex_);
  pipeline_finished_.notify_all();
}

}  // namespace

RunResult run_plan(const core::Plan& plan, const Options& options, Observer& observer,
                   CancelHandle& cancel) {
  return PlanRun(plan, options, observer, cancel).run();
}

}  // namespace runner
