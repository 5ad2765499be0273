#include "config/kept_files.h"

#include <algorithm>
#include <iterator>

#include "config/glob.h"
#include "config/messages.h"
#include "config/relative_path.h"

namespace config {

namespace {

constexpr std::string_view kHome = "~/";

// The text of a value for a message's summary: long ones are cut.
std::string shown(const std::string& text) {
  constexpr size_t kShown = 80;
  return "\"" + (text.size() > kShown ? text.substr(0, kShown) + "…" : text) + "\"";
}

// Why `key` is not core::is_cache_key, for "Cache key \"a/b\" ...".
std::string key_problem(const std::string& key) {
  if (key.empty()) return "is empty";
  if (key.size() > core::kMaxCacheKey) return "is " + std::to_string(key.size()) + " bytes long";
  for (size_t i = 0; i < key.size(); ++i)
    if (!core::is_cache_key(std::string_view(key).substr(i, 1)))
      return "has '" + key.substr(i, 1) + "' at byte " + std::to_string(i + 1);
  return {};
}

const std::string kKeyRules = "A key (and a restore_keys prefix) is 1 to " + std::to_string(core::kMaxCacheKey) +
                              " letters, digits and . _ - + = , : @ (no '/' or space). Entries are kept per "
                              "branch by the server already: a key needs no branch name.";

// A list attribute's strings, at most `most` of them; nullopt after an error.
std::optional<std::vector<ListItem>> bounded_list(const Expression& e, std::string_view what, size_t most,
                                                  Evaluator& evaluator) {
  auto items = evaluator.string_list(e, what);
  if (items && items->size() > most) {
    evaluator.error(e.origin(), std::string(what) + " lists " + std::to_string(items->size()) + " entries",
                    "It takes at most " + std::to_string(most) + ".");
    return std::nullopt;
  }
  return items;
}

// Why a path or pattern does not stay inside its directory, or empty.
std::string path_problem(std::string_view path, bool home_allowed) {
  if (path.size() > core::kMaxPathBytes)
    return "is " + std::to_string(path.size()) + " bytes long (at most " + std::to_string(core::kMaxPathBytes) + ")";
  if (home_allowed && path == kHome) return "names the home directory itself";
  if (home_allowed && path.starts_with(kHome)) return relative_path_problem(path.substr(kHome.size()));
  if (path.starts_with('~')) return home_allowed ? "uses ~ other than as ~/ at its start" : "starts with ~";
  return relative_path_problem(path);
}

std::vector<std::string> cache_paths(const Cache& c, Evaluator& evaluator) {
  auto items = bounded_list(c.paths, "paths", core::kMaxPaths, evaluator);
  if (!items) return {};
  if (items->empty())
    evaluator.error(c.paths.origin(), "Cache \"" + c.name + "\" has no paths",
                    "Name what the cache holds, e.g. paths = [\"node_modules\", \"~/.npm\"].");
  std::vector<std::string> paths;
  for (auto& item : *items) {
    if (const std::string problem = path_problem(item.value, true); !problem.empty())
      evaluator.error(item.origin, "Cache path " + shown(item.value) + " " + problem,
                      "A cache's paths are relative to the workspace (node_modules) or start with ~/ for the "
                      "execution's home (~/.npm), and stay inside them: no absolute paths, no \"..\".");
    paths.push_back(std::move(item.value));
  }
  return paths;
}

std::optional<core::CacheSpec> evaluate_cache(const Cache& c, Evaluator& evaluator) {
  const bool failed_before = evaluator.failed();
  const std::optional<std::string> key = evaluator.string(c.key, "key");
  if (key)
    if (const std::string problem = key_problem(*key); !problem.empty())
      evaluator.error(c.key.origin(), "Cache key " + shown(*key) + " " + problem, kKeyRules);
  core::CacheSpec spec{c.name, key.value_or(""), cache_paths(c, evaluator), {}};
  if (c.restore_keys.given())
    for (auto& item : bounded_list(c.restore_keys, "restore_keys", core::kMaxRestoreKeys, evaluator).value_or(
             std::vector<ListItem>{})) {
      if (const std::string problem = key_problem(item.value); !problem.empty())
        evaluator.error(item.origin, "Restore key " + shown(item.value) + " " + problem, kKeyRules);
      spec.restore_keys.push_back(std::move(item.value));
    }
  if (evaluator.failed() && !failed_before) return std::nullopt;
  return spec;
}

}  // namespace

std::vector<core::CacheSpec> evaluate_caches(const std::vector<Cache>& caches, Evaluator& evaluator) {
  std::vector<core::CacheSpec> specs;
  for (const auto& c : caches)
    if (auto spec = evaluate_cache(c, evaluator)) specs.push_back(std::move(*spec));
  return specs;
}

std::vector<core::CacheSpec> merge_caches(std::vector<core::CacheSpec> pipeline_caches,
                                          std::vector<core::CacheSpec> own, const Execution& e,
                                          Evaluator& evaluator) {
  for (auto& cache : own) {
    auto same = std::ranges::find(pipeline_caches, cache.name, &core::CacheSpec::name);
    if (same != pipeline_caches.end())
      *same = std::move(cache);
    else
      pipeline_caches.push_back(std::move(cache));
  }
  if (pipeline_caches.size() > core::kMaxCaches)
    evaluator.error(e.origin, "Exec \"" + e.name + "\" has " + std::to_string(pipeline_caches.size()) + " caches",
                    "An execution has at most " + std::to_string(core::kMaxCaches) +
                        " caches, its pipeline's included; merge some of their paths into one.");
  return pipeline_caches;
}

namespace {

// What files an execution names by glob patterns relative to its workspace
// (its artifacts, its test reports), each checked: a bad one is reported at
// its place and kept, since the evaluator has failed anyway.
struct PatternRules {
  std::string_view attribute;  // "artifacts"
  std::string_view noun;       // "Artifact pattern"
  std::string_view files;      // "Artifacts"
  std::string_view example;    // "\"dist/**\" or \"reports/*.xml\""
};

std::vector<std::string> glob_patterns(const Expression& e, const PatternRules& rules, Evaluator& evaluator) {
  std::vector<std::string> patterns;
  if (!e.given()) return patterns;
  for (auto& item : bounded_list(e, rules.attribute, core::kMaxPaths, evaluator).value_or(std::vector<ListItem>{})) {
    const std::string_view pattern = std::string_view(item.value).substr(item.value.starts_with('!') ? 1 : 0);
    std::string problem = path_problem(pattern, false);
    if (std::string error; problem.empty() && !Glob::compile(pattern, error)) problem = "is not a glob: " + error;
    if (!problem.empty())
      evaluator.error(item.origin, std::string{rules.noun} + " " + shown(item.value) + " " + problem,
                      std::string{rules.files} + " are glob patterns relative to the workspace, e.g. " +
                          std::string{rules.example} +
                          " (\"!pattern\" leaves files out); no absolute paths, no \"..\".");
    patterns.push_back(without_dot_components(item.value));
  }
  return patterns;
}

}  // namespace

void evaluate_artifacts(const Execution& e, Evaluator& evaluator, core::ExecutionSpec& spec) {
  spec.artifacts =
      glob_patterns(e.artifacts, {"artifacts", "Artifact pattern", "Artifacts", "\"dist/**\" or \"reports/*.xml\""}, evaluator);
  if (!e.artifacts_when.given()) return;
  const auto when = evaluator.string(e.artifacts_when, "artifacts_when");
  if (!when) return;
  if (auto parsed = core::parse_artifacts_when(*when)) {
    spec.artifacts_when = *parsed;
    return;
  }
  evaluator.error(e.artifacts_when.origin(), "Unknown artifacts_when " + shown(*when),
                  "artifacts_when is \"success\" (the default: keep the artifacts when the execution succeeds), "
                  "\"failure\" or \"always\"." +
                      did_you_mean(*when, {"success", "failure", "always"}));
}

namespace {

// Resolves names to executions of an instance, for the execution at stage
// `at`.
class SourceFinder {
 public:
  SourceFinder(const Pipeline& pipeline, const core::PipelineSpec& spec, Evaluator& evaluator)
      : pipeline_(pipeline), spec_(spec), evaluator_(evaluator) {}

  std::optional<core::ArtifactSource> find(const ListItem& item, size_t at) {
    std::vector<core::ArtifactSource> named = by_exec_name(item.value);
    if (named.empty()) named = by_full_name(item.value);
    if (named.empty()) return unknown(item, at);
    std::vector<core::ArtifactSource> earlier;
    std::ranges::copy_if(named, std::back_inserter(earlier), [&](const auto& source) { return source.stage < at; });
    if (earlier.empty()) return not_earlier(item, named.front(), at);
    if (earlier.size() > 1) return ambiguous(item, earlier);
    return with_artifacts(item, earlier.front());
  }

 private:
  core::ArtifactSource source(size_t stage, size_t execution) const {
    const Stage& s = pipeline_.stages[stage];
    return {0, stage, execution, s.name + "/" + s.executions[execution].name};
  }

  // The first execution of that name of each stage.
  std::vector<core::ArtifactSource> by_exec_name(const std::string& name) const {
    std::vector<core::ArtifactSource> found;
    for (size_t s = 0; s < pipeline_.stages.size(); ++s) {
      const auto& executions = pipeline_.stages[s].executions;
      auto it = std::ranges::find(executions, name, &Execution::name);
      if (it != executions.end()) found.push_back(source(s, static_cast<size_t>(it - executions.begin())));
    }
    return found;
  }

  // "stage/exec".
  std::vector<core::ArtifactSource> by_full_name(const std::string& name) const {
    for (size_t s = 0; s < pipeline_.stages.size(); ++s) {
      const std::string prefix = pipeline_.stages[s].name + "/";
      if (!name.starts_with(prefix)) continue;
      const auto& executions = pipeline_.stages[s].executions;
      auto it = std::ranges::find(executions, name.substr(prefix.size()), &Execution::name);
      if (it != executions.end()) return {source(s, static_cast<size_t>(it - executions.begin()))};
    }
    return {};
  }

  std::optional<core::ArtifactSource> unknown(const ListItem& item, size_t at) {
    std::vector<std::string> candidates;
    for (size_t s = 0; s < at; ++s)
      for (const auto& e : pipeline_.stages[s].executions) {
        candidates.push_back(e.name);
        candidates.push_back(pipeline_.stages[s].name + "/" + e.name);
      }
    return fail(item, "needs_artifacts: no execution " + shown(item.value) + " in pipeline \"" + pipeline_.name + "\"",
                "Name an execution of an earlier stage of this pipeline, as \"exec\" or \"stage/exec\"." +
                    did_you_mean(item.value, candidates));
  }

  std::optional<core::ArtifactSource> not_earlier(const ListItem& item, const core::ArtifactSource& named,
                                                  size_t at) {
    return fail(item, "needs_artifacts: " + shown(named.name) + " is not of an earlier stage",
                "It runs in stage \"" + pipeline_.stages[named.stage].name + "\", " +
                    (named.stage == at ? "the same stage as" : "after the stage of") +
                    " this execution (\"" + pipeline_.stages[at].name +
                    "\"); an execution receives the artifacts of executions of earlier stages, which have ended "
                    "when it starts. Move one of them to another stage.");
  }

  std::optional<core::ArtifactSource> ambiguous(const ListItem& item,
                                                const std::vector<core::ArtifactSource>& earlier) {
    std::vector<std::string> full;
    for (const auto& source : earlier) full.push_back("\"" + source.name + "\"");
    return fail(item, "needs_artifacts: " + shown(item.value) + " names an execution of " +
                          std::to_string(earlier.size()) + " earlier stages",
                "Say which, as stage/exec: " + join_names(full) + ".");
  }

  std::optional<core::ArtifactSource> with_artifacts(const ListItem& item, const core::ArtifactSource& found) {
    if (!spec_.stages[found.stage].executions[found.execution].artifacts.empty()) return found;
    return fail(item, "needs_artifacts: " + shown(found.name) + " keeps no artifacts",
                "Give it the files to keep, e.g. artifacts = [\"dist/**\"], or leave it out of needs_artifacts.");
  }

  std::optional<core::ArtifactSource> fail(const ListItem& item, std::string summary, std::string detail) {
    evaluator_.error(item.origin, std::move(summary), std::move(detail));
    return std::nullopt;
  }

  const Pipeline& pipeline_;
  const core::PipelineSpec& spec_;
  Evaluator& evaluator_;
};

}  // namespace

void evaluate_reports(const Execution& e, Evaluator& evaluator, core::ExecutionSpec& spec) {
  spec.reports = glob_patterns(
      e.reports, {"reports", "Report pattern", "Test reports", "\"build/test-results/*.xml\""}, evaluator);
}

void resolve_needs_artifacts(const Pipeline& pipeline, Evaluator& evaluator, core::PipelineSpec& spec) {
  SourceFinder finder(pipeline, spec, evaluator);
  for (size_t s = 0; s < pipeline.stages.size(); ++s)
    for (size_t x = 0; x < pipeline.stages[s].executions.size(); ++x) {
      const Expression& needs = pipeline.stages[s].executions[x].needs_artifacts;
      if (!needs.given()) continue;
      std::vector<core::ArtifactSource> sources;
      const auto items = bounded_list(needs, "needs_artifacts", core::kMaxNeedsArtifacts, evaluator);
      for (const auto& item : items.value_or(std::vector<ListItem>{}))
        if (auto found = finder.find(item, s)) sources.push_back(std::move(*found));
      spec.stages[s].executions[x].needs_artifacts = std::move(sources);
    }
}

}  // namespace config
