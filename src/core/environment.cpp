#include "core/environment.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace core {

namespace {

bool is_allowed(std::string_view name, std::initializer_list<std::string_view> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [name](std::string_view entry) {
    if (entry.ends_with('*')) return name.starts_with(entry.substr(0, entry.size() - 1));
    return name == entry;
  });
}

}  // namespace

std::vector<std::string> inherited_environment() {
  const std::string token_prefix = std::string{kAgentTokenVariable} + "=";
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry)
    if (!std::string_view{*entry}.starts_with(token_prefix)) env.emplace_back(*entry);
  return env;
}

std::vector<std::string> allowed_environment(std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view variable{*entry};
    const auto equals = variable.find('=');
    if (equals != std::string_view::npos && is_allowed(variable.substr(0, equals), allowed))
      env.emplace_back(variable);
  }
  return env;
}

void erase_environment_variable(const char* name) {
  const std::string prefix = std::string{name} + "=";
  for (char** entry = environ; *entry; ++entry)
    if (std::string_view{*entry}.starts_with(prefix))
      std::memset(*entry + prefix.size(), 0, std::strlen(*entry + prefix.size()));
  unsetenv(name);
}

void make_undumpable() { prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

std::vector<char*> exec_pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace core
