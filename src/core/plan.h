// What a workflow is asked to run, decided before anything runs.
//
// The config component turns `.factory/*.hcl` plus an Event into a Plan; the
// runner executes a Plan; the server stores it and shows it. Every value in a
// Plan is final: expressions were evaluated, matrices expanded, dependencies
// resolved to pipeline instance names.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace core {

using Env = std::map<std::string, std::string>;

// Bounds of a manual run's inputs (a form's fields, not a data channel),
// checked by the configuration that declares them and by the store.
inline constexpr std::size_t kMaxInputs = 100;
inline constexpr std::size_t kMaxInputBytes = 4096;  // one value's text

// The event a workflow runs for.
struct Event {
  std::string name;            // "push", "pull_request", "tag", "manual" or "cron"
  std::string branch;          // push/manual/cron: the branch; pull_request: the source branch
  std::string target_branch;   // pull_request only: the branch merged into
  std::string tag;             // tag only
  std::string sha;
  std::vector<std::string> changed_paths;
  bool from_fork = false;      // pull_request from another repository: no secrets
  std::string schedule;        // cron only: the name of the schedule whose slot it is
  // manual only: the run's inputs by name, each as text ("production", "3",
  // "true"); their types are the configuration's `input` blocks'.
  std::map<std::string, std::string> inputs;
};

struct Repository {
  std::string owner;
  std::string name;
  std::string url;
};

// Whether `name` is 1 to `max_size` letters, digits, '.', '_' and '-'.
bool is_plain_name(std::string_view name, std::size_t max_size);

// A cache of an execution (docs/configuration.md#cache-name): restored before it
// runs from the entry of `key`, else from the newest entry whose key starts
// with one of `restore_keys` (in order); saved under `key` after it
// succeeds, when the key missed.
struct CacheSpec {
  std::string name;                       // the block's label: "npm"
  std::string key;                        // is_cache_key: "npm-3f2a…"
  std::vector<std::string> paths;         // relative to the workspace, or "~/…" in the execution's home
  std::vector<std::string> restore_keys;  // each is_cache_key

  bool operator==(const CacheSpec&) const = default;
};

// When an execution's artifacts are kept: after it succeeds (the default),
// after it fails, or either way.
enum class ArtifactsWhen { Success, Failure, Always };
std::string_view to_string(ArtifactsWhen when);  // "success", "failure", "always"
std::optional<ArtifactsWhen> parse_artifacts_when(std::string_view text);

// An execution whose artifacts another one receives (`needs_artifacts`):
// always of an earlier stage of the same pipeline instance.
struct ArtifactSource {
  // Indexes into Plan::pipelines[pipeline].stages[stage].executions[execution].
  std::size_t pipeline = 0, stage = 0, execution = 0;
  std::string name;  // for people: "build/compile" (stage/execution)

  bool operator==(const ArtifactSource&) const = default;
};

// Bounds of caches and artifacts, which the server records.
inline constexpr std::size_t kMaxCacheName = 100;
inline constexpr std::size_t kMaxCacheKey = 512;
inline constexpr std::size_t kMaxCaches = 20;           // of one execution, its pipeline's included
inline constexpr std::size_t kMaxPaths = 100;           // paths of one cache, artifact patterns of one execution
inline constexpr std::size_t kMaxPathBytes = 1024;      // one path or pattern
inline constexpr std::size_t kMaxRestoreKeys = 10;      // of one cache
inline constexpr std::size_t kMaxNeedsArtifacts = 100;  // of one execution

// A cache's name (its block's label): a plain name of at most kMaxCacheName.
inline bool is_cache_name(std::string_view name) { return is_plain_name(name, kMaxCacheName); }
// A cache key, or a restore_keys prefix: 1 to kMaxCacheKey letters, digits
// and ". _ - + = , : @". No '/' and no space: nothing that an object name
// or a URL's path would need escaped.
bool is_cache_key(std::string_view key);

struct ExecutionSpec {
  std::string name;
  std::string run;    // shell script, run with /bin/sh -e -c
  std::string image;  // empty: run as a process on the host
  Env env;            // pipeline env merged with the execution's own
  std::chrono::milliseconds timeout{0};  // 0: the pipeline's, or none
  int retry = 0;      // extra attempts after a failure
  bool allow_failure = false;
  // Not empty: the execution does not run and ends skipped, for this reason
  // ("when: event.branch == \"main\" is false").
  std::string skip_reason;
  // Its pipeline's caches and its own, in that order; its own replaces a
  // pipeline's of the same name.
  std::vector<CacheSpec> caches;
  // Glob patterns (config/glob.h) of the files kept after it ends, relative
  // to its workspace; empty: none.
  std::vector<std::string> artifacts;
  ArtifactsWhen artifacts_when = ArtifactsWhen::Success;
  // Whose artifacts are unpacked into its workspace before it starts.
  std::vector<ArtifactSource> needs_artifacts;
  // Glob patterns (config/glob.h) of its JUnit XML test reports, relative
  // to its workspace, read after each attempt; empty: none.
  std::vector<std::string> reports;
};

// A program a pipeline's executions talk to (a database, say): started
// before the first stage, stopped when the pipeline ends. It listens on the
// machine's loopback at the ports it declares; executions with an image
// also reach it by its name (docs/runner.md#services).
struct ServiceSpec {
  std::string name;
  std::string image;                 // a container of this image; empty: `run` as a host process
  std::vector<std::string> command;  // image only: replaces the image's command; empty: its own
  std::string run;                   // no image: shell script, run with /bin/sh -e -c
  Env env;
  std::vector<int> ports;            // on 127.0.0.1
  int ready_port = 0;                // ready once this port accepts a connection (0: not this check)
  std::string ready_run;             // ready once this script exits 0 (empty: not this check)
  std::chrono::milliseconds ready_timeout{30'000};
};

struct StageSpec {
  std::string name;
  std::vector<ExecutionSpec> executions;  // run in parallel
  // Not empty: the stage and its executions do not run and end skipped, for
  // this reason (its `when` is false, or every execution is skipped).
  std::string skip_reason;
};

struct PipelineSpec {
  std::string name;                  // instance name: "test (gcc, debug)" for a matrix
  std::string base_name;             // the pipeline block's label: "test"
  std::map<std::string, std::string> matrix;  // this instance's axis values
  std::vector<std::string> depends_on;        // instance names, all in the same Plan
  std::chrono::milliseconds timeout{0};       // 0: none
  std::vector<StageSpec> stages;              // run in order
  bool shared_workspace = false;  // one workspace for all its executions, not one each (`workspace = "shared"`)
  std::vector<ServiceSpec> services;          // started before the first stage
  // The pipeline gate (docs/configuration.md#concurrency-and-environments):
  // at most one pipeline of a project's concurrency group runs at a time,
  // and one of an environment runs under its rules, with its secrets.
  std::string concurrency;          // the group; empty: none
  bool cancel_in_progress = false;  // a newer pipeline of the group cancels the running one
  std::string environment;          // empty: none
  bool gated() const { return !concurrency.empty() || !environment.empty(); }
};

// A pipeline of the configuration that is not in the plan, and why.
struct SkippedPipeline {
  // The pipeline block's name (a matrix is not expanded), or the instance
  // name of a matrix combination that `exclude` left out.
  std::string name;
  std::string reason;  // for people: "branch \"feature/x\" does not match branches"
};

// The longest concurrency group and environment name: the server keeps
// them; an environment's name is letters, digits, '.', '_' and '-'.
inline constexpr std::size_t kMaxGateName = 255;
inline constexpr std::size_t kMaxEnvironmentName = 100;
inline bool is_environment_name(std::string_view name) { return is_plain_name(name, kMaxEnvironmentName); }

struct Plan {
  std::vector<PipelineSpec> pipelines;  // ordered so that dependencies come first
  std::vector<SkippedPipeline> skipped; // in configuration order
};

}  // namespace core
