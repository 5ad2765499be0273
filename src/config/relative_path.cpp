#include "config/relative_path.h"

namespace config {

std::string relative_path_problem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.front() == '/') return "is absolute";
  bool names_something = false;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (component == "..") return "has a \"..\" component";
    if (!component.empty() && component != ".") names_something = true;
  }
  if (!names_something) return "names the directory itself";
  return {};
}

}  // namespace config
