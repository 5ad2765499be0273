#include "config/conditions.h"

#include <algorithm>

#include "config/messages.h"

namespace config {

namespace {

const std::vector<std::string> kEventNames{"push", "pull_request", "tag", "manual", "cron"};

bool check_events(const std::vector<ListItem>& events, hcl::Diagnostics& diags) {
  bool ok = true;
  for (const auto& event : events) {
    if (std::find(kEventNames.begin(), kEventNames.end(), event.value) != kEventNames.end()) continue;
    report(diags, event.origin, "Unknown event \"" + event.value + "\"",
           "Events are " + join_names(kEventNames) + "." + did_you_mean(event.value, kEventNames));
    ok = false;
  }
  return ok;
}

// Compiles the list, reporting each bad pattern at its own place.
std::optional<GlobList> globs(const Expression& e, std::string_view what, Evaluator& evaluator) {
  auto items = evaluator.string_list(e, what);
  if (!items) return std::nullopt;
  std::vector<std::string> patterns;
  bool ok = true;
  for (const auto& item : *items) {
    std::string error;
    if (!GlobList::compile({item.value}, error)) {
      report(evaluator.diagnostics(), item.origin, "Invalid pattern in " + std::string(what), error);
      ok = false;
    }
    patterns.push_back(item.value);
  }
  std::string error;
  return ok ? GlobList::compile(patterns, error) : std::nullopt;
}

// Evaluates `e` into `out` when it is given; false after an error.
bool optional_globs(const Expression& e, std::string_view what, Evaluator& evaluator, std::optional<GlobList>& out) {
  if (!e.given()) return true;
  out = globs(e, what, evaluator);
  return out.has_value();
}

}  // namespace

std::optional<CompiledFilter> evaluate_filter(const Filter& filter, Evaluator& evaluator) {
  CompiledFilter compiled;
  bool ok = true;
  if (filter.events.given()) {
    auto events = evaluator.string_list(filter.events, "events");
    ok = events && check_events(*events, evaluator.diagnostics());
    if (ok) {
      compiled.events.emplace();
      for (auto& event : *events) compiled.events->push_back(std::move(event.value));
    }
  }
  ok = optional_globs(filter.branches, "branches", evaluator, compiled.branches) && ok;
  ok = optional_globs(filter.tags, "tags", evaluator, compiled.tags) && ok;
  ok = optional_globs(filter.paths, "paths", evaluator, compiled.paths) && ok;
  ok = optional_globs(filter.schedules, "schedules", evaluator, compiled.schedules) && ok;
  if (!ok) return std::nullopt;
  return compiled;
}

std::optional<std::vector<size_t>> evaluate_depends_on(const Configuration& cfg, const Pipeline& pipeline,
                                                       Evaluator& evaluator) {
  std::vector<size_t> indices;
  if (!pipeline.depends_on.given()) return indices;
  auto names = evaluator.string_list(pipeline.depends_on, "depends_on");
  if (!names) return std::nullopt;
  std::vector<std::string> known;
  for (const auto& p : cfg.pipelines) known.push_back(p.name);
  bool ok = true;
  for (const auto& name : *names) {
    auto it = std::find(known.begin(), known.end(), name.value);
    if (it != known.end()) {
      indices.push_back(static_cast<size_t>(it - known.begin()));
      continue;
    }
    report(evaluator.diagnostics(), name.origin, "Unknown pipeline \"" + name.value + "\" in depends_on",
           "depends_on names other pipelines of this configuration." + did_you_mean(name.value, known));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return indices;
}

}  // namespace config
