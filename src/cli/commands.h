// Subcommands of the `factory` binary. Each add_*_command registers its
// options on the app and sets the callback that runs it; a callback stores
// the process exit status in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_agent_command(CLI::App& app, int& exit_code);
void add_hcl2json_command(CLI::App& app, int& exit_code);
void add_lint_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_server_command(CLI::App& app, int& exit_code);
void add_token_command(CLI::App& app, int& exit_code);

}  // namespace cli
