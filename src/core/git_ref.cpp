#include "core/git_ref.h"

namespace core {

namespace {

constexpr std::string_view kGitForbidden = " ~^:?*[\\";
constexpr std::string_view kShellSpecial = "$`'\";&|<>()";

std::string component_problem(std::string_view component) {
  if (component.empty()) return "it has an empty component (a leading, trailing or double '/')";
  if (component.front() == '.') return "a component starts with '.'";
  if (component.ends_with(".lock")) return "a component ends with '.lock'";
  return {};
}

}  // namespace

std::string ref_name_problem(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name == "@") return "'@' alone is not a name";
  if (name.front() == '-') return "it starts with '-' (it would read as an option)";
  if (name.back() == '.') return "it ends with '.'";
  if (name.find("..") != std::string_view::npos) return "it contains '..'";
  if (name.find("@{") != std::string_view::npos) return "it contains '@{'";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return "it contains a control character";
    if (kGitForbidden.find(c) != std::string_view::npos)
      return c == ' ' ? "it contains a space" : std::string("it contains '") + c + "'";
    if (kShellSpecial.find(c) != std::string_view::npos)
      return std::string("it contains '") + c + "', which a shell would act on";
  }
  for (std::size_t start = 0;;) {
    const std::size_t slash = name.find('/', start);
    if (auto problem = component_problem(name.substr(start, slash - start)); !problem.empty()) return problem;
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

}  // namespace core
