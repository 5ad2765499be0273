// The agent's command line, shared by `factory agent` and the `factory-agent`
// binary so that both take the same options.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

inline constexpr const char* kAgentDescription = "Run a build agent that claims workflows from a FactoryCI server";

// Registers the agent's options on `command` and a callback that runs the
// agent and stores its exit status in `exit_code`.
void add_agent_options(CLI::App& command, int& exit_code);

}  // namespace cli
