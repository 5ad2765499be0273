#include "runner/services.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

namespace runner {

namespace {

using std::chrono::steady_clock;

// How often readiness is looked at, and how long one connection attempt may take.
constexpr auto kReadyPoll = std::chrono::milliseconds(200);
constexpr auto kConnectWait = std::chrono::milliseconds(500);
constexpr auto kCancelCheck = std::chrono::milliseconds(50);

// Whether something accepts TCP connections on 127.0.0.1:port.
bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool connected = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd writable{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    connected = poll(&writable, 1, static_cast<int>(kConnectWait.count())) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  close(fd);
  return connected;
}

std::string seconds(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

bool PortLocks::any_held(const std::vector<int>& ports) const {
  return std::any_of(ports.begin(), ports.end(), [this](int port) { return held_.count(port) > 0; });
}

bool PortLocks::acquire(const std::vector<int>& ports, const CancelHandle& cancel,
                        std::optional<SteadyTime> deadline) {
  std::unique_lock lock(mutex_);
  // Cancellation may come from a signal handler, which cannot notify: look a few times a second.
  while (any_held(ports)) {
    if (cancel.cancelled()) return false;
    auto now = steady_clock::now();
    if (deadline && now >= *deadline) return false;
    auto wake = now + kCancelCheck;
    released_.wait_until(lock, deadline ? std::min(wake, *deadline) : wake);
  }
  held_.insert(ports.begin(), ports.end());
  return true;
}

void PortLocks::release(const std::vector<int>& ports) {
  {
    std::lock_guard lock(mutex_);
    for (int port : ports) held_.erase(port);
  }
  released_.notify_all();
}

struct PipelineServices::Running {
  std::string tag;                           // also its container's name
  const ContainerRuntime* runtime = nullptr;  // a container service's
  std::optional<WatchedChild> child;         // none: not started, or ended and reaped
  bool ready = false;
};

PipelineServices::PipelineServices(const AttemptContext& context, std::size_t pipeline, std::string workspace,
                                   PortLocks& ports)
    : context_(context), pipeline_(pipeline), workspace_(std::move(workspace)), ports_(ports),
      running_(specs().size()) {}

PipelineServices::~PipelineServices() { stop(); }

const std::vector<core::ServiceSpec>& PipelineServices::specs() const {
  return context_.plan.pipelines[pipeline_].services;
}

std::optional<PipelineServices::Failure> PipelineServices::start(std::optional<SteadyTime> pipeline_deadline) {
  std::vector<int> ports;
  for (const auto& spec : specs()) ports.insert(ports.end(), spec.ports.begin(), spec.ports.end());
  if (!ports_.acquire(ports, context_.cancel, pipeline_deadline)) {
    if (context_.cancel.cancelled()) return Failure{core::Status::Cancelled, "cancelled"};
    return Failure{core::Status::Failure, "timed out waiting for another pipeline's services to free their ports"};
  }
  held_ports_ = ports;
  for (std::size_t s = 0; s < specs().size(); ++s)
    for (int port : specs()[s].ports)
      if (accepts(port))
        return Failure{core::Status::Failure, "service " + specs()[s].name + " cannot start: port " +
                                                  std::to_string(port) +
                                                  " is already in use on this machine"};
  std::vector<SteadyTime> deadlines;
  for (std::size_t s = 0; s < specs().size(); ++s) {
    if (auto problem = launch(s)) return Failure{core::Status::Error, *problem};
    auto deadline = steady_clock::now() + specs()[s].ready_timeout;
    deadlines.push_back(pipeline_deadline ? std::min(deadline, *pipeline_deadline) : deadline);
  }
  // Started together, so each one's timeout runs while the others are awaited.
  for (std::size_t s = 0; s < specs().size(); ++s)
    if (auto failure = wait_ready(s, deadlines[s])) return failure;
  return std::nullopt;
}

// Starts service `s`; the reason it could not, if so.
std::optional<std::string> PipelineServices::launch(std::size_t s) {
  const core::ServiceSpec& spec = specs()[s];
  Running& service = running_[s];
  service.tag = unique_process_tag();
  std::string problem;
  std::optional<SpawnRequest> request;
  if (spec.image.empty()) {
    request = host_script_request(context_, {workspace_, {}}, spec.run, spec.env, service.tag, problem);
    if (!request) problem = "service " + spec.name + " cannot run in a sandbox: " + problem;
  } else if ((service.runtime = context_.container_runtime(problem))) {
    request = SpawnRequest{service_container_command(*service.runtime, service.tag, workspace_, spec, specs()),
                           client_environment(context_, service.tag), workspace_};
  } else {
    problem = "service " + spec.name + " asks for image " + spec.image + " but " + problem;
  }
  auto fail = [&](const std::string& reason) {
    context_.reporter.update_service(pipeline_, s, [&](ExecutionResult& r) {
      r.status = core::Status::Error;
      r.error = reason;
      r.finished = Clock::now();
    });
    return reason;
  };
  if (!request) return fail(problem);
  // Running before its first line arrives.
  context_.reporter.update_service(pipeline_, s, [](ExecutionResult& r) {
    r.status = core::Status::Running;
    r.attempts = 1;
    r.started = Clock::now();
  });
  try {
    service.child = start_watched(context_, *request,
                                  [this, s](Stream stream, TimePoint time, std::span<const std::string_view> lines) {
                                    context_.reporter.output(OutputLines{{pipeline_, 0, 0}, stream, time, lines, s});
                                  });
  } catch (const std::system_error& error) {
    return fail("service " + spec.name + " could not start: " + error.what());
  }
  return std::nullopt;
}

std::optional<PipelineServices::Failure> PipelineServices::wait_ready(std::size_t s, SteadyTime deadline) {
  const core::ServiceSpec& spec = specs()[s];
  Running& service = running_[s];
  const std::string what = "service " + spec.name;
  std::string last = spec.ready_port ? "nothing accepted connections on port " + std::to_string(spec.ready_port) : "";
  for (;;) {
    if (context_.cancel.cancelled()) return Failure{core::Status::Cancelled, "cancelled"};
    if (spec.ready_port ? accepts(spec.ready_port) : spec.ready_run.empty() || check(s, deadline, last)) {
      service.ready = true;
      return std::nullopt;
    }
    auto now = steady_clock::now();
    if (now >= deadline) {
      std::string reason = what + " was not ready after " + seconds(spec.ready_timeout);
      return Failure{core::Status::Failure, end(s, last.empty() ? reason : reason + ": " + last)};
    }
    auto wake = service.child->process->wait(std::min(now + kReadyPoll, deadline), context_.cancel.fd());
    if (wake == ChildProcess::Wake::Exited) return Failure{core::Status::Failure, end(s)};
  }
}

// Runs the ready script once, until it ends or the deadline; true when it
// exits 0. Otherwise `last` becomes how it ended and its last line.
bool PipelineServices::check(std::size_t s, SteadyTime deadline, std::string& last) {
  const std::string tag = unique_process_tag();
  std::string said, problem;
  auto request = check_request(s, tag, problem);
  if (!request) {
    last = "its ready check cannot run: " + problem;
    return false;
  }
  WatchedChild child;
  try {
    child = start_watched(context_, *request, [&said](Stream, TimePoint, std::span<const std::string_view> lines) {
      said = std::string(lines.back());  // masked by the pump; the pump thread calls while `child` runs
    });
  } catch (const std::system_error& error) {
    last = std::string("its ready check could not start: ") + error.what();
    return false;
  }
  auto wake = child.process->wait(deadline, context_.cancel.fd());
  const int code = exit_code_of(finish_child(context_, child, tag, nullptr, wake != ChildProcess::Wake::Exited));
  if (code == 0) return true;
  const bool finished = wake == ChildProcess::Wake::Exited;
  // One cut short by the deadline says less than the one before it.
  if (!finished && !last.empty()) return false;
  last = "its ready check " + (finished ? "exited with code " + std::to_string(code) : std::string("did not finish"));
  if (!said.empty()) last += ": " + said;
  return false;
}

// A process service's check runs as the service does; a container
// service's inside its container.
std::optional<SpawnRequest> PipelineServices::check_request(std::size_t s, const std::string& tag,
                                                            std::string& problem) {
  const core::ServiceSpec& spec = specs()[s];
  const Running& service = running_[s];
  if (!service.runtime) return host_script_request(context_, {workspace_, {}}, spec.ready_run, spec.env, tag, problem);
  return SpawnRequest{container_exec_command(*service.runtime, service.tag, spec.ready_run),
                      client_environment(context_, tag), workspace_};
}

// Stops service `s`, or reaps it if it ended by itself, and kills whatever
// it left. Its final status: success if it was ready and still running;
// otherwise failure, with `failure` or how it ended as the reason, which is
// returned.
std::string PipelineServices::end(std::size_t s, std::string failure) {
  Running& service = running_[s];
  if (!service.child) return failure;
  const bool ended = service.child->process->exited();
  const int wait_status = finish_child(context_, *service.child, service.tag, service.runtime, !ended);
  service.child.reset();
  const std::string what = "service " + specs()[s].name;
  const std::string code = std::to_string(exit_code_of(wait_status));
  if (failure.empty() && ended)
    failure = what + (service.ready ? " ended by itself while the pipeline ran (exit code " + code + ")"
                                    : " ended before it was ready (exit code " + code + ")");
  if (failure.empty() && !service.ready) failure = what + " was stopped before it was ready";
  context_.reporter.update_service(pipeline_, s, [&](ExecutionResult& r) {
    r.finished = Clock::now();
    if (ended) r.exit_code = exit_code_of(wait_status);
    r.status = failure.empty() ? core::Status::Success : core::Status::Failure;
    if (!service.ready && !ended && context_.cancel.cancelled()) r.status = core::Status::Cancelled;
    r.error = failure;
  });
  return failure;
}

void PipelineServices::stop() {
  for (std::size_t s = 0; s < running_.size(); ++s) end(s);
  ports_.release(held_ports_);
  held_ports_.clear();
}

}  // namespace runner
