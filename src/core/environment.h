// The environment handed to child processes that FactoryCI starts itself
// (agents, git), in the forms exec wants.
#pragma once

#include <string>
#include <vector>

namespace core {

// The variable that carries a build agent's token; no child inherits it.
inline constexpr const char* kAgentTokenVariable = "FACTORY_AGENT_TOKEN";

// This process's environment as "NAME=value" strings, without the agent token.
std::vector<std::string> inherited_environment();

// Pointers into `strings`, null-terminated, as argv and envp are; valid while
// `strings` is unchanged.
std::vector<char*> exec_pointers(std::vector<std::string>& strings);

}  // namespace core
