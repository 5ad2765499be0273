// Deciding whether an event triggers a pipeline.
//
// Every condition a filter gives must hold; a condition not given holds.
//   events    the event's name is listed
//   branches  push and manual: the branch matches; pull_request: the
//             *target* branch matches (where the change would land)
//   tags      tag events: the tag matches
//   paths     at least one changed path matches; when the changed paths are
//             not known (an empty list) the condition holds
//   schedules cron events: the schedule's name matches; other events are
//             not concerned (a filter may give push and cron events)
// As on GitHub, a filter that gives only `branches` does not run for tags,
// and one that gives only `tags` does not run for branch events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/glob.h"
#include "core/plan.h"

namespace config {

struct CompiledFilter {
  std::optional<std::vector<std::string>> events;
  std::optional<GlobList> branches;
  std::optional<GlobList> tags;
  std::optional<GlobList> paths;
  std::optional<GlobList> schedules;
};

// Why `event` does not satisfy `filter`, for people; nullopt when it does.
std::optional<std::string> filter_rejection(const CompiledFilter& filter, const core::Event& event);

}  // namespace config
