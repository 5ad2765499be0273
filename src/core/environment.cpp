#include "core/environment.h"

#include <string_view>

extern char** environ;

namespace core {

std::vector<std::string> inherited_environment() {
  const std::string token_prefix = std::string{kAgentTokenVariable} + "=";
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry)
    if (!std::string_view{*entry}.starts_with(token_prefix)) env.emplace_back(*entry);
  return env;
}

std::vector<char*> exec_pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace core
