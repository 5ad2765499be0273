// The build agent (`factory agent`): claims workflows from a FactoryCI
// server and runs them on this machine (docs/agents.md).
//
// For each workflow: fetch the commit with a partial clone, check out
// `.factory/` alone, load and plan it for the event, report the plan, then
// check out the rest and run it with the runner, streaming status changes
// and log lines to the server; a heartbeat renews the lease every second and
// brings back cancel requests. A configuration that does not load fails the
// workflow with the diagnostics; no pipeline matching the event ends it
// `skipped` without checking out anything else.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "runner/runner.h"

namespace agent {

struct Options {
  std::string server_url;  // http://host:port; or, with consul_url, found there:
  std::string consul_url;  // a Consul agent that knows healthy servers (docs/consul.md)
  std::string consul_service = "factory";
  std::string token;       // an agent token
  std::string name;        // a pool agent's name for people (never its identity: that is its token and lease)
  std::filesystem::path work_dir;  // workspaces live below it, one per workflow
  std::size_t jobs = 4;            // executions at once
  bool once = false;               // run one workflow, then exit (provisioned agents)
  std::chrono::milliseconds claim_wait{25'000};
  runner::ContainerOptions containers;
  runner::Isolation isolation = runner::Isolation::Sandbox;  // of host executions (docs/runner.md#sandbox)
};

// Claims and runs workflows until `stop` is cancelled (or, with `once`, one
// workflow ran). A stop cancels the running workflow (its executions get
// SIGTERM, SIGKILL after the runner's grace period) and reports nothing
// more: the server ends it (a cancel) or runs it again once the lease runs
// out (its server stopping). A workflow whose server cannot be reached for a
// whole lease is cancelled the same way. With Consul, a server is looked up
// before the first claim, and any call that cannot reach it (a claim, a
// report, a heartbeat) moves on to another healthy server. Returns the
// process exit code: 0, or 1 when the server refused the token or, with
// `once`, could not be reached for a whole lease.
int run(const Options& options, runner::CancelHandle& stop);

}  // namespace agent
