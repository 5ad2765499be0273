#include "config/relative_path.h"

#include <vector>

namespace config {

namespace {

// The components between slashes, empty ones included.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

bool is_dot_or_empty(std::string_view component) { return component.empty() || component == "."; }

}  // namespace

std::string relative_path_problem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.front() == '/') return "is absolute";
  bool names_something = false;
  for (std::string_view component : components(path)) {
    if (component == "..") return "has a \"..\" component";
    names_something = names_something || !is_dot_or_empty(component);
  }
  if (!names_something) return "names the directory itself";
  return {};
}

std::string without_dot_components(std::string_view pattern) {
  const bool excluded = pattern.starts_with('!');
  if (excluded) pattern.remove_prefix(1);
  std::string out;
  for (std::string_view component : components(pattern)) {
    if (is_dot_or_empty(component)) continue;
    if (!out.empty()) out += '/';
    out += component;
  }
  return excluded ? '!' + out : out;
}

}  // namespace config
