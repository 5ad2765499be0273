// The environment handed to child processes that FactoryCI starts itself
// (agents, git), in the forms exec wants.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace core {

// The variable that carries a build agent's token; no child inherits it.
inline constexpr const char* kAgentTokenVariable = "FACTORY_AGENT_TOKEN";

// This process's environment as "NAME=value" strings, without the agent token.
std::vector<std::string> inherited_environment();

// The variables of this process's environment that `allowed` names, as
// "NAME=value" strings: an entry is a name, or a prefix ending in '*'
// ("LC_*"). Everything else (database passwords, cloud credentials) stays
// behind.
std::vector<std::string> allowed_environment(std::initializer_list<std::string_view> allowed);

// Removes `name` from this process's environment and overwrites its value
// where the process started with it: /proc/PID/environ shows that first
// copy, which unsetenv alone leaves in place.
void erase_environment_variable(const char* name);

// Makes this process non-dumpable: other processes of its user (a build, say)
// can no longer read its /proc/PID/environ, cmdline or memory, nor ptrace it;
// nor does it dump core. Children are dumpable again after exec.
void make_undumpable();

// Pointers into `strings`, null-terminated, as argv and envp are; valid while
// `strings` is unchanged.
std::vector<char*> exec_pointers(std::vector<std::string>& strings);

}  // namespace core
