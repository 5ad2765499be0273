#include "config/secret_scope.h"

#include <algorithm>
#include <iterator>

#include "config/filter.h"
#include "config/glob.h"

namespace config {

namespace {

constexpr std::size_t kMaxEntryLength = 255;

std::string at(const char* list, std::size_t index) { return std::string(list) + "[" + std::to_string(index) + "]"; }

std::string entry(const char* list, std::size_t index, const std::string& value) {
  return at(list, index) + " \"" + value + "\"";
}

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The common rules of branches and pipelines: a bounded list of short,
// printable, non-empty entries.
std::optional<std::string> list_error(const char* list, const std::vector<std::string>& entries) {
  if (entries.size() > kMaxScopeEntries)
    return std::string(list) + " has more than " + std::to_string(kMaxScopeEntries) + " entries";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& value = entries[i];
    if (value.empty()) return at(list, i) + " is empty";
    if (value.size() > kMaxEntryLength)
      return at(list, i) + " is longer than " + std::to_string(kMaxEntryLength) + " bytes";
    if (has_control_character(value)) return at(list, i) + " holds a control character";
  }
  return std::nullopt;
}

std::optional<std::string> events_error(const std::vector<std::string>& events) {
  if (events.empty()) return "events must name at least one event (push, tag, pull_request, manual, cron)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (std::find(std::begin(core::kSecretEvents), std::end(core::kSecretEvents), events[i]) ==
        std::end(core::kSecretEvents))
      return entry("events", i, events[i]) + " is not an event (push, tag, pull_request, manual, cron)";
    const auto earlier = events.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(events.begin(), earlier, events[i]) != earlier)
      return entry("events", i, events[i]) + " is listed twice";
  }
  return std::nullopt;
}

std::optional<std::string> branches_error(const std::vector<std::string>& branches) {
  if (auto error = list_error("branches", branches)) return error;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    std::string error;
    if (!Glob::compile(branches[i].starts_with('!') ? branches[i].substr(1) : branches[i], error))
      return entry("branches", i, branches[i]) + " is not a glob: " + error;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> secret_scope_error(const core::SecretScope& scope) {
  if (auto error = events_error(scope.events)) return error;
  if (auto error = branches_error(scope.branches)) return error;
  return list_error("pipelines", scope.pipelines);
}

bool secret_reaches(const core::SecretScope& scope, const core::Event& event) {
  if (event.from_fork) return false;
  CompiledFilter filter;
  filter.events = scope.events;
  if (!scope.branches.empty()) {
    std::string error;
    filter.branches = GlobList::compile(scope.branches, error);
    if (!filter.branches) return false;  // checked when stored; a bad one reaches nothing
  }
  return !filter_rejection(filter, event);
}

}  // namespace config
