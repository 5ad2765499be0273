// `factory agent --server URL` (or `factory-agent --server URL`): a build
// agent; with --consul URL instead, it finds a healthy server in Consul and
// registers itself there (docs/consul.md). Pool agents run until stopped,
// claiming one workflow after another; the local provisioner starts one with
// --once per workflow. SIGTERM or SIGINT stops the agent: its run is
// cancelled, and a second signal, or 15 s, ends it anyway. The token comes
// from --token or FACTORY_AGENT_TOKEN (preferred: the environment is not
// shown by `ps`). Executions run in a bubblewrap sandbox unless
// --unsandboxed says otherwise (docs/runner.md#sandbox).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "agent/agent.h"
#include "cli/agent_options.h"
#include "cli/cancel_on_signals.h"
#include "cli/commands.h"
#include "consul/consul.h"
#include "core/environment.h"

namespace cli {

namespace {

// After SIGTERM, how long the agent may take to stop its run (the runner
// gives executions 5 s between SIGTERM and SIGKILL) before it ends itself.
constexpr std::chrono::seconds kStopGrace{15};

std::string default_agent_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string{host} + "-" + std::to_string(getpid());
}

// Said at every start, so that nobody runs unsandboxed without knowing.
void warn_unsandboxed() {
  std::cerr << "factory agent: WARNING: --unsandboxed: executions run as plain processes of this user, "
               "outside any sandbox. A build can read and change every file this user can (other "
               "workspaces; with a local agent, the server's data directory: its admin token, secrets key and "
               "database), see and signal this user's processes, and keep running after its workflow. Use it "
               "only for trusted repositories, or where the machine itself is the sandbox (docs/runner.md#sandbox).\n";
}

int run_agent(agent::Options options) {
  if (options.token.empty()) {
    if (const char* token = std::getenv(core::kAgentTokenVariable)) options.token = token;
  }
  if (options.token.empty()) {
    std::cerr << "factory agent: no token: give --token or set FACTORY_AGENT_TOKEN "
                 "(make one with `factory token create NAME --agent`)\n";
    return 2;
  }
  // Neither executions nor other processes of this user may read it: not
  // from the environment, nor from /proc/PID/environ or memory.
  core::erase_environment_variable(core::kAgentTokenVariable);
  core::make_undumpable();
  if (options.isolation == runner::Isolation::None) warn_unsandboxed();
  if (options.server_url.empty() == options.consul_url.empty()) {
    std::cerr << "factory agent: give either --server URL or --consul URL (to find a server there)\n";
    return 2;
  }
  if (options.name.empty()) options.name = default_agent_name();
  for (auto* url : {&options.server_url, &options.consul_url})
    while (!url->empty() && url->back() == '/') url->pop_back();
  std::error_code ec;
  std::filesystem::create_directories(options.work_dir, ec);
  if (ec) {
    std::cerr << "factory agent: cannot create " << options.work_dir << ": " << ec.message() << "\n";
    return 2;
  }
  runner::CancelHandle stop;
  CancelOnStopSignals signals{stop, kStopGrace};
  std::unique_ptr<consul::Registration> registration;  // pool agents show in Consul while they run
  if (!options.consul_url.empty())
    registration = std::make_unique<consul::Registration>(
        options.consul_url, consul::Service{.id = "factory-agent-" + options.name, .name = "factory-agent"});
  return agent::run(options, stop);
}

}  // namespace

void add_agent_options(CLI::App& command, int& exit_code) {
  auto options = std::make_shared<agent::Options>();
  options->work_dir = "factory-agent";
  options->jobs = std::max(2u, std::thread::hardware_concurrency());
  command.add_option("--server", options->server_url, "The server's URL, e.g. http://ci.example.com:8080");
  command.add_option("--consul", options->consul_url,
                     "Instead of --server: a Consul agent to find healthy servers at, e.g. http://127.0.0.1:8500");
  command.add_option("--consul-service", options->consul_service,
                     "The servers' service name in Consul (default factory)");
  command.add_option("--token", options->token, "An agent token (or env FACTORY_AGENT_TOKEN)");
  command.add_option("--name", options->name,
                     "This agent's name for people, recorded with its leases; never its identity (default: HOST-PID)");
  command.add_option("--work-dir", options->work_dir, "Where workspaces are made (default ./factory-agent)");
  command.add_option("--jobs,-j", options->jobs, "Executions running at the same time")
      ->check(CLI::PositiveNumber);
  command.add_flag("--once", options->once, "Run one workflow, then exit");
  command.add_flag_callback(
      "--unsandboxed", [options] { options->isolation = runner::Isolation::None; },
      "Run executions without the bubblewrap sandbox: builds see all this user can (docs/runner.md#sandbox)");
  command.callback([&exit_code, options] { exit_code = run_agent(*options); });
}

void add_agent_command(CLI::App& app, int& exit_code) {
  add_agent_options(*app.add_subcommand("agent", kAgentDescription), exit_code);
}

}  // namespace cli
