#include "runner/execution_attempt.h"

#include <unistd.h>

#include <atomic>
#include <system_error>

#include "runner/process_sweep.h"

namespace runner {

namespace {

// After everything is killed the pipes close at once, unless a process that
// cleared its environment escaped with them: then stop reading after this.
constexpr auto kDrainWait = std::chrono::seconds(2);

std::string unique_name() {
  static std::atomic<unsigned long> counter{0};
  return "factory-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

// The base, then what the sandbox sets (HOME inside it), then the
// execution's own variables, which may override both.
std::vector<std::string> environment(const core::Env& base, const core::Env& own, const std::string& tag,
                                     bool sandboxed) {
  core::Env merged = base;
  if (sandboxed) set_sandbox_environment(merged);
  for (const auto& [key, value] : own) merged[key] = value;
  merged[kProcessTagVariable] = tag;
  std::vector<std::string> env;
  for (const auto& [key, value] : merged) env.push_back(key + "=" + value);
  return env;
}

AttemptOutcome failed_to_start(std::string error) {
  AttemptOutcome outcome;
  outcome.error = std::move(error);
  return outcome;
}

class Attempt {
 public:
  Attempt(const AttemptContext& context, ExecutionId id, const core::ExecutionSpec& spec, const core::SecretMask& mask)
      : context_(context), id_(id), spec_(spec), mask_(mask), tag_(unique_name()) {}

  AttemptOutcome run(std::optional<SteadyTime> deadline);

 private:
  std::optional<SpawnRequest> request(std::string& problem);
  std::optional<SpawnRequest> host_request(SpawnRequest request, std::string& problem);
  void stop(ChildProcess& child);
  void drain(const std::shared_ptr<Capture>& capture);

  const AttemptContext& context_;
  ExecutionId id_;
  const core::ExecutionSpec& spec_;
  const core::SecretMask& mask_;
  std::string tag_;  // also the container's name
  const ContainerRuntime* runtime_ = nullptr;
};

std::optional<SpawnRequest> Attempt::request(std::string& problem) {
  SpawnRequest request{{}, {}, context_.workspace};
  if (spec_.image.empty()) return host_request(std::move(request), problem);
  runtime_ = context_.container_runtime(problem);
  if (!runtime_) {
    problem = "execution '" + spec_.name + "' asks for image " + spec_.image + " but " + problem;
    return std::nullopt;
  }
  // The host environment is for the runtime's client; the container gets
  // only the execution's own variables.
  request.argv = container_command(*runtime_, tag_, context_.workspace, spec_);
  request.env = environment(context_.options.base_env, {}, tag_, false);
  return request;
}

std::optional<SpawnRequest> Attempt::host_request(SpawnRequest request, std::string& problem) {
  const std::vector<std::string> script{"/bin/sh", "-e", "-c", spec_.run};
  const bool sandboxed = context_.options.isolation == Isolation::Sandbox;
  request.env = environment(context_.options.base_env, spec_.env, tag_, sandboxed);
  if (!sandboxed) {
    request.argv = script;
    return request;
  }
  const Sandbox* sandbox = context_.sandbox(problem);
  if (!sandbox) {
    problem = "execution '" + spec_.name + "' cannot run in a sandbox: " + problem;
    return std::nullopt;
  }
  request.argv = sandbox_command(*sandbox, context_.workspace, script);
  return request;
}

AttemptOutcome Attempt::run(std::optional<SteadyTime> deadline) {
  std::string problem;
  auto spawn_request = request(problem);
  if (!spawn_request) return failed_to_start(problem);
  SpawnedChild spawned;
  try {
    spawned = spawn_in_new_group(*spawn_request);
  } catch (const std::system_error& error) {
    return failed_to_start("execution '" + spec_.name + "' could not start: " + error.what());
  }
  auto capture = context_.pump.watch(
      spawned.stdout_fd, spawned.stderr_fd,
      [this](Stream stream, TimePoint time, std::span<const std::string_view> lines) {
        context_.reporter.output(OutputLines{id_, stream, time, lines});
      },
      &mask_);
  auto& child = *spawned.process;
  auto wake = child.wait(deadline, context_.cancel.fd());
  if (wake != ChildProcess::Wake::Exited) stop(child);
  // Whatever it left behind goes too, also after a normal exit.
  sweep_execution_processes({child.pid(), tag_, child.pid()}, context_.options.kill_grace);
  int wait_status = child.reap();
  drain(capture);

  AttemptOutcome outcome;
  outcome.exit_code = exit_code_of(wait_status);
  outcome.term_signal = signal_of(wait_status);
  outcome.timed_out = wake == ChildProcess::Wake::Deadline;
  if (wake == ChildProcess::Wake::Cancelled)
    outcome.status = core::Status::Cancelled;
  else
    outcome.status = !outcome.timed_out && outcome.exit_code == 0 ? core::Status::Success
                                                                  : core::Status::Failure;
  return outcome;
}

// Timed out or cancelled: a container is stopped through its runtime (killing
// the client would leave it running); then the client's or script's group.
void Attempt::stop(ChildProcess& child) {
  auto grace_end = std::chrono::steady_clock::now() + context_.options.kill_grace;
  if (runtime_) {
    stop_container(*runtime_, tag_, "TERM");
    if (child.wait(grace_end, -1) != ChildProcess::Wake::Exited) stop_container(*runtime_, tag_, "");
  }
  sweep_execution_processes({child.pid(), tag_, child.pid()}, context_.options.kill_grace);
}

void Attempt::drain(const std::shared_ptr<Capture>& capture) {
  if (capture->wait_closed(std::chrono::steady_clock::now() + kDrainWait)) return;
  context_.pump.force_close(capture);
  // The pump closes the pipes at its next turn; nothing can hold it up.
  while (!capture->wait_closed(std::chrono::steady_clock::now() + kDrainWait)) {
  }
}

}  // namespace

AttemptOutcome run_attempt(const AttemptContext& context, ExecutionId id, const core::ExecutionSpec& spec,
                           const core::SecretMask& mask, std::optional<SteadyTime> deadline) {
  return Attempt(context, id, spec, mask).run(deadline);
}

}  // namespace runner
