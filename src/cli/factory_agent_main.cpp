// `factory-agent`: `factory agent` on its own. It links only what an agent
// needs (no server, no database clients), so the local provisioner's
// one-agent-per-workflow processes start faster and map less memory.
#include <CLI/CLI.hpp>

#include "cli/agent_options.h"

int main(int argc, char** argv) {
  CLI::App app{cli::kAgentDescription, "factory-agent"};
  app.set_version_flag("--version", "factory-agent 0.1.0");
  int exit_code = 0;
  cli::add_agent_options(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
