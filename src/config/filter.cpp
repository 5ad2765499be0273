#include "config/filter.h"

#include <algorithm>

namespace config {

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::optional<std::string> check_events(const CompiledFilter& filter, const core::Event& event) {
  if (!filter.events) return std::nullopt;
  if (std::find(filter.events->begin(), filter.events->end(), event.name) != filter.events->end())
    return std::nullopt;
  return "event " + quoted(event.name) + " is not in events";
}

// The ref filter that applies to this event: tags for tag events, branches
// for the others. A filter that names only the other kind rejects the event.
std::optional<std::string> check_ref(const CompiledFilter& filter, const core::Event& event) {
  if (event.name == "tag") {
    if (filter.tags) {
      if (filter.tags->matches(event.tag)) return std::nullopt;
      return "tag " + quoted(event.tag) + " does not match tags";
    }
    if (filter.branches) return "the filter gives branches but no tags, and this is a tag event";
    return std::nullopt;
  }
  bool pull_request = event.name == "pull_request";
  const std::string& branch = pull_request ? event.target_branch : event.branch;
  if (filter.branches) {
    if (filter.branches->matches(branch)) return std::nullopt;
    return (pull_request ? "target branch " : "branch ") + quoted(branch) + " does not match branches";
  }
  if (filter.tags) return "the filter gives tags but no branches, and this is not a tag event";
  return std::nullopt;
}

std::optional<std::string> check_paths(const CompiledFilter& filter, const core::Event& event) {
  if (!filter.paths || event.changed_paths.empty()) return std::nullopt;
  const GlobList& paths = *filter.paths;
  if (std::any_of(event.changed_paths.begin(), event.changed_paths.end(),
                  [&](const std::string& path) { return paths.matches(path); }))
    return std::nullopt;
  return "no changed path matches paths";
}

std::optional<std::string> check_schedule(const CompiledFilter& filter, const core::Event& event) {
  if (!filter.schedules || event.name != "cron" || filter.schedules->matches(event.schedule)) return std::nullopt;
  return "schedule " + quoted(event.schedule) + " does not match schedules";
}

}  // namespace

std::optional<std::string> filter_rejection(const CompiledFilter& filter, const core::Event& event) {
  if (auto reason = check_events(filter, event)) return reason;
  if (auto reason = check_ref(filter, event)) return reason;
  if (auto reason = check_schedule(filter, event)) return reason;
  return check_paths(filter, event);
}

}  // namespace config
