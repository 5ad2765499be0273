#include <condition_variable>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "runner/execution_attempt.h"
#include "runner/job_slots.h"
#include "runner/process_sweep.h"
#include "runner/reporter.h"
#include "runner/runner.h"

namespace runner {

namespace {

using core::Status;
using Deadline = std::optional<SteadyTime>;

bool is_failed(Status status) { return status == Status::Failure || status == Status::Error; }

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
        context_{options,
                 std::filesystem::absolute(options.workspace).string(),
                 reporter_,
                 pump_,
                 cancel,
                 [this](std::string& problem) { return containers_.get(problem); },
                 [this](std::string& problem) { return sandbox_.get(problem); }},
        opened_(plan.pipelines.size()) {}

  RunResult run();

 private:
  void run_pipeline(std::size_t p);
  std::optional<Status> status_before_start(std::size_t p);
  GateOpening pass_gate(std::size_t p);
  // The pipeline as its executions run: the plan's, or with the secrets its
  // gate released, with the mask that hides them.
  const core::PipelineSpec& pipeline(std::size_t p) const { return opened_[p] ? opened_[p]->spec : plan_.pipelines[p]; }
  const core::SecretMask& mask(std::size_t p) const { return opened_[p] ? opened_[p]->mask : options_.mask; }
  Status run_stages(std::size_t p, Deadline deadline);
  Status run_stage(std::size_t p, std::size_t s, Deadline deadline);
  void run_execution(ExecutionId id, Deadline deadline);
  Status stage_status(std::size_t p, std::size_t s) const;
  void finish_pipeline(std::size_t p, Status status, bool timed_out, std::string reason = {});

  const core::Plan& plan_;
  const Options& options_;
  CancelHandle& cancel_;
  Reporter reporter_;
  OutputPump pump_;
  JobSlots slots_;
  Detected<ContainerRuntime> containers_;
  Detected<Sandbox> sandbox_;
  AttemptContext context_;
  struct Opened {
    core::PipelineSpec spec;
    core::SecretMask mask;
  };
  // Written by a pipeline's own thread before its first stage, read by its
  // executions' threads only after that.
  std::vector<std::unique_ptr<Opened>> opened_;
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
// it released for the pipeline's executions.
GateOpening PlanRun::pass_gate(std::size_t p) {
  const core::PipelineSpec& spec = plan_.pipelines[p];
  if (!spec.gated() || !options_.gate) return {};
  GateOpening opening = options_.gate(p, cancel_);
  if (cancel_.cancelled()) return {Status::Cancelled, "cancelled", {}};
  if (opening.status != Status::Running || opening.secrets.empty()) return opening;
  auto opened = std::make_unique<Opened>(spec, options_.mask.with(opening.secrets));
  for (auto& stage : opened->spec.stages)
    for (auto& execution : stage.executions)
      for (const auto& [name, value] : opening.secrets) execution.env[name] = value;
  opened_[p] = std::move(opened);
  return opening;
}

void PlanRun::run_pipeline(std::size_t p) {
  if (auto not_run = status_before_start(p)) {
    reporter_.mark_not_run(p, 0, *not_run);
    finish_pipeline(p, *not_run, false);
    return;
  }
  if (GateOpening opening = pass_gate(p); opening.status != Status::Running) {
    reporter_.mark_not_run(p, 0, opening.status);
    finish_pipeline(p, opening.status, false, opening.reason);
    return;
  }
  auto started = std::chrono::steady_clock::now();
  reporter_.update_pipeline(p, [](PipelineResult& r) {
    r.status = Status::Running;
    r.started = Clock::now();
  });
  Deadline deadline;
  if (plan_.pipelines[p].timeout.count() > 0) deadline = started + plan_.pipelines[p].timeout;
  Status status = run_stages(p, deadline);
  bool timed_out = deadline && std::chrono::steady_clock::now() >= *deadline;
  finish_pipeline(p, status, timed_out && status == Status::Failure);
}

Status PlanRun::run_stages(std::size_t p, Deadline deadline) {
  const auto& stages = plan_.pipelines[p].stages;
  for (std::size_t s = 0; s < stages.size(); ++s) {
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
  Status status = stage_status(p, s);
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
    if (execution.status == Status::Cancelled && !execution.timed_out) {
      cancelled = true;
      continue;
    }
    if (execution.status != Status::Success && !specs[e].allow_failure) return Status::Failure;
  }
  return cancelled ? Status::Cancelled : Status::Success;
}

void PlanRun::run_execution(ExecutionId id, Deadline pipeline_deadline) {
  const auto& spec = pipeline(id.pipeline).stages[id.stage].executions[id.execution];
  if (!slots_.acquire(cancel_, pipeline_deadline)) {
    bool timed_out = !cancel_.cancelled();
    reporter_.update_execution(id, [timed_out](ExecutionResult& r) {
      r.status = Status::Cancelled;
      r.timed_out = timed_out;
    });
    return;
  }
  AttemptOutcome outcome;
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
    outcome = run_attempt(context_, id, spec, mask(id.pipeline), deadline);
    bool pipeline_over = pipeline_deadline && std::chrono::steady_clock::now() >= *pipeline_deadline;
    if (outcome.status != Status::Failure || cancel_.cancelled() || pipeline_over) break;
  }
  slots_.release();
  reporter_.update_execution(id, [&outcome](ExecutionResult& r) {
    r.status = outcome.status;
    r.exit_code = outcome.exit_code;
    r.term_signal = outcome.term_signal;
    r.timed_out = outcome.timed_out;
    r.error = outcome.error;
    r.finished = Clock::now();
  });
}

void PlanRun::finish_pipeline(std::size_t p, Status status, bool timed_out, std::string reason) {
  reporter_.update_pipeline(p, [status, timed_out, &reason](PipelineResult& r) {
    r.status = status;
    r.timed_out = timed_out;
    r.reason = std::move(reason);
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
