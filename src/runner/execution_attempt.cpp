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

// The base, then what the sandbox sets (HOME inside it) or the home given
// outside one, then the execution's own variables, which may override all.
std::vector<std::string> environment(const core::Env& base, const core::Env& own, const std::string& tag,
                                     bool sandboxed, const std::string& home = {}) {
  core::Env merged = base;
  if (sandboxed) set_sandbox_environment(merged);
  if (!sandboxed && !home.empty()) merged["HOME"] = home;
  for (const auto& [key, value] : own) merged[key] = value;
  merged[kProcessTagVariable] = tag;
  std::vector<std::string> env;
  for (const auto& [key, value] : merged) env.push_back(key + "=" + value);
  return env;
}

// Whether one of the execution's caches is in its home: only then does an
// unsandboxed process or a container get the home of its own (the sandbox
// always has one).
bool uses_home(const core::ExecutionSpec& spec) {
  for (const core::CacheSpec& cache : spec.caches)
    for (const std::string& path : cache.paths)
      if (path.starts_with("~/")) return true;
  return false;
}

AttemptOutcome failed_to_start(std::string error) {
  AttemptOutcome outcome;
  outcome.error = std::move(error);
  return outcome;
}

class Attempt {
 public:
  Attempt(const AttemptContext& context, ExecutionId id, const core::ExecutionSpec& spec, const AttemptDirs& dirs,
          const core::SecretMask& mask)
      : context_(context), id_(id), spec_(spec), dirs_(dirs), mask_(mask), tag_(unique_process_tag()) {}

  AttemptOutcome run(std::optional<SteadyTime> deadline);

 private:
  std::optional<SpawnRequest> request(std::string& problem);

  const AttemptContext& context_;
  ExecutionId id_;
  const core::ExecutionSpec& spec_;
  const AttemptDirs& dirs_;
  const core::SecretMask& mask_;
  std::string tag_;  // also the container's name
  const ContainerRuntime* runtime_ = nullptr;
};

std::optional<SpawnRequest> Attempt::request(std::string& problem) {
  const bool sandboxed = context_.options.isolation == Isolation::Sandbox;
  const AttemptDirs dirs{dirs_.workspace, sandboxed || uses_home(spec_) ? dirs_.home : std::string{}};
  if (spec_.image.empty()) {
    auto request = host_script_request(context_, dirs, spec_.run, spec_.env, tag_, problem);
    if (!request) problem = "execution '" + spec_.name + "' cannot run in a sandbox: " + problem;
    return request;
  }
  runtime_ = context_.container_runtime(problem);
  if (!runtime_) {
    problem = "execution '" + spec_.name + "' asks for image " + spec_.image + " but " + problem;
    return std::nullopt;
  }
  const auto& services = context_.plan.pipelines[id_.pipeline].services;
  return SpawnRequest{container_command(*runtime_, tag_, dirs.workspace, uses_home(spec_) ? dirs.home : "", spec_,
                                        services),
                      client_environment(context_, tag_), dirs.workspace};
}

AttemptOutcome Attempt::run(std::optional<SteadyTime> deadline) {
  std::string problem;
  auto spawn_request = request(problem);
  if (!spawn_request) return failed_to_start(problem);
  WatchedChild child;
  try {
    child = start_watched(context_, *spawn_request,
                          [this](Stream stream, TimePoint time, std::span<const std::string_view> lines) {
                            context_.reporter.output(OutputLines{id_, stream, time, lines});
                          },
                          &mask_);
  } catch (const std::system_error& error) {
    return failed_to_start("execution '" + spec_.name + "' could not start: " + error.what());
  }
  auto wake = child.process->wait(deadline, context_.cancel.fd());
  // Whatever it left behind goes too, also after a normal exit.
  int wait_status = finish_child(context_, child, tag_, runtime_, wake != ChildProcess::Wake::Exited);

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
void stop(const AttemptContext& context, ChildProcess& child, const std::string& tag, const ContainerRuntime* runtime) {
  auto grace_end = std::chrono::steady_clock::now() + context.options.kill_grace;
  if (runtime) {
    stop_container(*runtime, tag, "TERM");
    if (child.wait(grace_end, -1) != ChildProcess::Wake::Exited) stop_container(*runtime, tag, "");
  }
  sweep_execution_processes({child.pid(), tag, child.pid()}, context.options.kill_grace);
}

void drain(OutputPump& pump, const std::shared_ptr<Capture>& capture) {
  if (capture->wait_closed(std::chrono::steady_clock::now() + kDrainWait)) return;
  pump.force_close(capture);
  // The pump closes the pipes at its next turn; nothing can hold it up.
  while (!capture->wait_closed(std::chrono::steady_clock::now() + kDrainWait)) {
  }
}

}  // namespace

AttemptOutcome run_attempt(const AttemptContext& context, ExecutionId id, const core::ExecutionSpec& spec,
                           const AttemptDirs& dirs, const core::SecretMask& mask, std::optional<SteadyTime> deadline) {
  return Attempt(context, id, spec, dirs, mask).run(deadline);
}

std::string unique_process_tag() {
  static std::atomic<unsigned long> counter{0};
  return "factory-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

std::optional<SpawnRequest> host_script_request(const AttemptContext& context, const AttemptDirs& dirs,
                                                const std::string& script, const core::Env& env,
                                                const std::string& tag, std::string& problem) {
  const std::vector<std::string> command{"/bin/sh", "-e", "-c", script};
  const bool sandboxed = context.options.isolation == Isolation::Sandbox;
  SpawnRequest request{command, environment(context.options.base_env, env, tag, sandboxed, dirs.home),
                       dirs.workspace};
  if (!sandboxed) return request;
  const Sandbox* sandbox = context.sandbox(problem);
  if (!sandbox) return std::nullopt;
  request.argv = sandbox_command(*sandbox, dirs.workspace, command, dirs.home);
  return request;
}

std::vector<std::string> client_environment(const AttemptContext& context, const std::string& tag) {
  return environment(context.options.base_env, {}, tag, false);
}

WatchedChild start_watched(const AttemptContext& context, const SpawnRequest& request, Capture::LinesHandler lines,
                           const core::SecretMask* mask) {
  SpawnedChild spawned = spawn_in_new_group(request);
  auto capture =
      context.pump.watch(spawned.stdout_fd, spawned.stderr_fd, std::move(lines), mask ? mask : &context.options.mask);
  return {std::move(spawned.process), std::move(capture)};
}

int finish_child(const AttemptContext& context, WatchedChild& child, const std::string& tag,
                 const ContainerRuntime* runtime, bool stop_first) {
  if (stop_first) stop(context, *child.process, tag, runtime);
  sweep_execution_processes({child.process->pid(), tag, child.process->pid()}, context.options.kill_grace);
  int wait_status = child.process->reap();
  drain(context.pump, child.capture);
  return wait_status;
}

}  // namespace runner
