#include "api/event_input.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "core/git_ref.h"

namespace api {

namespace {

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
  if (auto problem = core::ref_name_problem(event.branch); !problem.empty())
    fail(400, "invalid", "branch '" + event.branch + "' is not a valid branch name: " + problem);
  event.sha = lowercase(optional_string(body, "sha").value_or(""));
  if (!event.sha.empty() && !is_commit_id(event.sha))
    fail(400, "invalid", "sha '" + event.sha + "' is not a commit id (40 or 64 hex digits)");
  return event;
}

}  // namespace api
