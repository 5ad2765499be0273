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

// A value of "inputs" as text: "production", "3", "true".
std::string input_text(const std::string& name, const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  fail(400, "invalid", "input \"" + name + "\" must be a string, a number or true or false");
}

std::map<std::string, std::string> read_inputs(const nlohmann::json& inputs) {
  if (!inputs.is_object()) fail(400, "invalid", "field 'inputs' must be an object of input names and values");
  if (inputs.size() > core::kMaxInputs)
    fail(400, "invalid", "more than " + std::to_string(core::kMaxInputs) + " inputs");
  std::map<std::string, std::string> texts;
  for (const auto& [name, value] : inputs.items()) texts[name] = input_text(name, value);
  return texts;
}

}  // namespace

ManualTrigger manual_trigger(const http::Request& request) {
  const auto body = read_json_object(request, {"branch", "sha", "inputs"});
  ManualTrigger trigger;
  core::Event& event = trigger.event;
  event.name = "manual";
  event.branch = required_string(body, "branch");
  if (auto problem = core::ref_name_problem(event.branch); !problem.empty())
    fail(400, "invalid", "branch '" + event.branch + "' is not a valid branch name: " + problem);
  event.sha = lowercase(optional_string(body, "sha").value_or(""));
  if (!event.sha.empty() && !is_commit_id(event.sha))
    fail(400, "invalid", "sha '" + event.sha + "' is not a commit id (40 or 64 hex digits)");
  if (auto inputs = body.find("inputs"); inputs != body.end() && !inputs->is_null()) {
    event.inputs = read_inputs(*inputs);
    trigger.with_inputs = true;
  }
  return trigger;
}

}  // namespace api
