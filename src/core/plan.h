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

struct ExecutionSpec {
  std::string name;
  std::string run;    // shell script, run with /bin/sh -e -c
  std::string image;  // empty: run as a process on the host
  Env env;            // pipeline env merged with the execution's own
  std::chrono::milliseconds timeout{0};  // 0: the pipeline's, or none
  int retry = 0;      // extra attempts after a failure
  bool allow_failure = false;
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
  std::string name;    // the pipeline block's name (a matrix is not expanded)
  std::string reason;  // for people: "branch \"feature/x\" does not match branches"
};

// The longest concurrency group and environment name: the server keeps
// them; an environment's name is letters, digits, '.', '_' and '-'.
inline constexpr std::size_t kMaxGateName = 255;
inline constexpr std::size_t kMaxEnvironmentName = 100;
inline bool is_environment_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxEnvironmentName) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

struct Plan {
  std::vector<PipelineSpec> pipelines;  // ordered so that dependencies come first
  std::vector<SkippedPipeline> skipped; // in configuration order
};

}  // namespace core
