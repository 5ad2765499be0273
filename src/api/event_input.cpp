#include "api/event_input.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "api/json_input.h"

namespace api {

namespace {

bool is_valid_component(std::string_view component) {
  return !component.empty() && component.front() != '.' && !component.ends_with(".lock");
}

// git check-ref-format's rules for refs/heads/<name>, and git branch's own
// (no leading '-', so the name cannot pass for an option): the name goes to
// git as given.
bool is_branch_name(std::string_view name) {
  if (name.empty() || name == "@" || name.front() == '-' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos || name.find("@{") != std::string_view::npos) return false;
  const bool forbidden_character = std::any_of(name.begin(), name.end(), [](unsigned char c) {
    return c < 0x20 || c == 0x7f || std::string_view{" ~^:?*[\\"}.find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (forbidden_character) return false;
  for (std::size_t start = 0;;) {
    const std::size_t slash = name.find('/', start);
    if (!is_valid_component(name.substr(start, slash - start))) return false;  // also "a//b", "/a", "a/"
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_commit_id(std::string_view sha) {
  return (sha.size() == 40 || sha.size() == 64) &&
         std::all_of(sha.begin(), sha.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

core::Event manual_event(const http::Request& request) {
  const auto body = read_json_object(request, {"branch", "sha"});
  core::Event event;
  event.name = "manual";
  event.branch = required_string(body, "branch");
  if (!is_branch_name(event.branch)) fail(400, "invalid", "branch '" + event.branch + "' is not a valid branch name");
  event.sha = lowercase(optional_string(body, "sha").value_or(""));
  if (!event.sha.empty() && !is_commit_id(event.sha))
    fail(400, "invalid", "sha '" + event.sha + "' is not a commit id (40 or 64 hex digits)");
  return event;
}

}  // namespace api
