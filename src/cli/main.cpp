#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"FactoryCI: a self-hosted CI/CD server and its build agent", "factory"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "factory 0.1.0");
  int exit_code = 0;
  cli::add_agent_command(app, exit_code);
  cli::add_hcl2json_command(app, exit_code);
  cli::add_lint_command(app, exit_code);
  cli::add_run_command(app, exit_code);
  cli::add_server_command(app, exit_code);
  cli::add_token_command(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
