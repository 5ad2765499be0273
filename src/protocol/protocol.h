// The JSON forms of what the server and a build agent exchange: the event a
// workflow runs for, the plan the agent made of `.factory/`, and the job the
// server hands an agent (docs/agent-protocol.md has the whole protocol).
//
// Every *_from_json throws protocol::Malformed naming the offending field, so
// a handler can answer 400 with it.
#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/plan.h"

namespace protocol {

struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What an agent needs to run one workflow.
struct Job {
  std::string workflow_id;
  int attempt = 1;
  std::string project_id;
  core::Repository repository;  // url: what `git fetch` is given
  core::Event event;
  core::Env secrets;  // empty for pull requests from forks
  // A short-lived token git fetches the repository with (a GitHub App's
  // installation token); empty when the repository needs none. Secret: the
  // agent never logs it.
  std::string clone_token;
  std::chrono::milliseconds heartbeat_interval{1000};
  // How long the server keeps the workflow for an agent whose heartbeats
  // stopped; an agent that cannot reach it for that long gives the run up.
  std::chrono::milliseconds lease{30'000};
};

nlohmann::json to_json(const core::Event& event);
// The same, taking the event's strings rather than copying them: a push may
// name thousands of changed paths.
nlohmann::json to_json(core::Event&& event);
core::Event event_from_json(const nlohmann::json& json);

nlohmann::json to_json(const core::Plan& plan);
core::Plan plan_from_json(const nlohmann::json& json);

nlohmann::json to_json(const Job& job);
Job job_from_json(const nlohmann::json& json);

}  // namespace protocol
