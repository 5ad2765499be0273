// Where build agents come from. The orchestrator claims a queued workflow on
// behalf of a new agent, makes a token good for that workflow only, and asks
// the provisioner to start an agent with it; provisioners that start nothing
// (a pool of agents that connect by themselves) have no capacity.
//
//   local       a `factory-agent` (or `factory agent`) child process per
//               workflow, up to a bound; stopping one kills it with its
//               builds after a grace period, and so does the server's stop
//   pool        none: long-running `factory agent --server URL --token T`
//               processes, on any machine, claim work themselves
//   kubernetes  a batch/v1 Job per workflow (src/kubernetes/)
//
// Thread-safety: the orchestrator calls a provisioner from its one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace orchestrator {

// What a provisioned agent is given.
struct AgentLaunch {
  std::string workflow_id;
  std::string agent_name;  // the lease owner recorded on the workflow
  std::string token;       // an agent token good for this workflow only
  std::string server_url;  // where the agent reaches the server
};

// A provisioned agent that is gone, and how it ended.
struct AgentExit {
  std::string workflow_id;
  std::string agent_name;
  std::string how;  // for people: "exited with status 3", "killed by signal 9"
  bool clean = false;  // exit status 0
};

class Provisioner {
 public:
  virtual ~Provisioner() = default;
  virtual std::string name() const = 0;
  // How many more agents could start now; 0 leaves queued work to agents
  // that claim it themselves.
  virtual std::size_t capacity() const = 0;
  // Agents started and not yet reaped.
  virtual std::size_t running() const = 0;
  // Starts an agent; false (with `error` set) when it could not.
  virtual bool provision(const AgentLaunch& launch, std::string& error) = 0;
  // Stops the agent of a workflow, if this provisioner started one (its
  // workflow was cancelled or its lease ran out). The slot is free once
  // reap() reports the agent gone.
  virtual void stop(const std::string& workflow_id) = 0;
  // The server is stopping: stops every agent this provisioner started and
  // waits until they are gone. Their workflows are left to lease expiry, as
  // a dead agent's are. Agents running elsewhere are left alone.
  virtual void stop_all() {}
  // A cancel of the workflow was asked for. Agents learn of it on their next
  // heartbeat and confirm it; a provisioner may clean up after them (the
  // Kubernetes one deletes the Job once it ended).
  virtual void cancel(const std::string& /*workflow_id*/) {}
  // The agents that ended since the last call.
  virtual std::vector<AgentExit> reap() = 0;
};

struct LocalOptions {
  // The program and the arguments that come before the agent's options:
  // {".../factory-agent"} or {".../factory", "agent"}.
  std::vector<std::string> agent_command;
  std::string work_dir;   // each agent gets a folder below it, and a log file
  std::size_t max_agents = 4;
  // How long a stopped agent (SIGTERM to its process group) has to end by
  // itself before it is SIGKILLed with every process below it.
  std::chrono::milliseconds stop_grace{10'000};
};

// How to start an agent from the `factory` binary at `factory_program`: the
// small `factory-agent` beside it when there is one (it starts faster and
// maps less memory than `factory`, which links the server and its
// databases), else `factory agent`.
std::vector<std::string> agent_command_beside(const std::filesystem::path& factory_program);

// Agents start in a process group of their own, with nothing of this
// process but their standard streams: no other descriptor, no signal
// blocked, and an environment made from an allow-list (PATH, HOME, locale,
// proxies, TLS trust; docs/agents.md) with their token, never the server's
// own variables. The calling process becomes a child subreaper: what a dead
// agent leaves behind comes to it and is killed at the next reap(), so it
// must start no children of its own beside the agents. Destroying the
// provisioner stops every agent (stop_all).
std::unique_ptr<Provisioner> make_local_provisioner(LocalOptions options);
std::unique_ptr<Provisioner> make_pool_provisioner();

}  // namespace orchestrator
