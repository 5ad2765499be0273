// The services of a pipeline (docs/runner.md#services): started before its
// first stage, each watched until it is ready, stopped with every process
// it started when the pipeline ends.
//
// A process service runs as an execution does: /bin/sh -e -c <run> in the
// given workspace (the checked-out commit, which executions get copies of), sandboxed unless Options::isolation says None (the sandbox
// shares the machine's network), in its own process group and tagged, so
// that nothing it starts outlives it. A container service runs its image
// attached, its output on the client's pipes, on the machine's network;
// executions with an image join that network too, with every service's
// name resolving to 127.0.0.1. So every service is reached on loopback at
// the ports it declares, and by its name from containers.
//
// Ports are the machine's: the pipelines of one run whose services declare
// the same port take turns (PortLocks), and a port something already
// accepts connections on before the service starts fails the pipeline,
// rather than a stranger being taken for the ready service.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runner/execution_attempt.h"

namespace runner {

// Thread-safety: every member may be called from any thread.
class PortLocks {
 public:
  // Takes all of `ports` once none is held; gives up (false) on
  // cancellation or at the deadline.
  bool acquire(const std::vector<int>& ports, const CancelHandle& cancel, std::optional<SteadyTime> deadline);
  void release(const std::vector<int>& ports);

 private:
  bool any_held(const std::vector<int>& ports) const;

  std::mutex mutex_;
  std::condition_variable released_;
  std::set<int> held_;
};

// Thread-safety: one pipeline's thread owns it.
class PipelineServices {
 public:
  PipelineServices(const AttemptContext& context, std::size_t pipeline, std::string workspace, PortLocks& ports);
  // Stops every service started.
  ~PipelineServices();
  PipelineServices(const PipelineServices&) = delete;
  PipelineServices& operator=(const PipelineServices&) = delete;

  struct Failure {
    core::Status status;  // failure, error (could not start at all) or cancelled
    std::string reason;   // "service db was not ready after 30s: nothing accepted connections on port 5432"
  };
  // Starts every service and waits until each is ready, within its ready
  // timeout and the pipeline's deadline. nullopt once all are ready.
  std::optional<Failure> start(std::optional<SteadyTime> pipeline_deadline);

  // Stops them all: success for each that was still running, failure for
  // one that had ended by itself.
  void stop();

 private:
  struct Running;

  const std::vector<core::ServiceSpec>& specs() const;
  std::optional<std::string> launch(std::size_t s);
  std::optional<Failure> wait_ready(std::size_t s, SteadyTime deadline);
  bool check(std::size_t s, SteadyTime deadline, std::string& last);
  std::optional<SpawnRequest> check_request(std::size_t s, const std::string& tag, std::string& problem);
  std::string end(std::size_t s, std::string failure = {});

  const AttemptContext& context_;
  std::size_t pipeline_;
  std::string workspace_;  // absolute
  PortLocks& ports_;
  std::vector<int> held_ports_;
  std::vector<Running> running_;  // as specs(); a service not started has no child
};

}  // namespace runner
