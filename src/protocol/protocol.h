// The agent protocol (docs/agents.md, "The protocol"): every route, header
// and body the server and a build agent exchange, each a struct with its
// JSON written and read here only, so that neither side writes that JSON by
// hand. The event a workflow runs for is here too (the REST API shows it).
//
// Every *_from_json throws protocol::Malformed naming the offending field
// (`events.changes[2].status is not a status`), so a handler can answer 400
// with it. Functions only; no state, safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/plan.h"
#include "core/status.h"
#include "core/test_results.h"

namespace protocol {

struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --- Routes and headers. Every call is a POST with an agent token
// (`Authorization: Bearer`).

inline constexpr std::string_view kClaimPath = "/api/v1/agent/claim";
// The calls about one claimed workflow: /api/v1/agent/workflows/{id}/<call>.
enum class Call { Plan, Events, Heartbeat, Complete };
inline constexpr Call kWorkflowCalls[] = {Call::Plan, Call::Events, Call::Heartbeat, Call::Complete};
std::string_view name(Call call);                                  // "plan", ...
std::string workflow_path(std::string_view workflow_id, Call call);  // the path an agent posts to
std::string route_pattern(Call call);                              // the router's, with {id}

// The gate of one pipeline of a claimed workflow (below, "Gate"):
// /api/v1/agent/workflows/{id}/pipelines/{pipeline_id}/gate.
std::string gate_path(std::string_view workflow_id, std::string_view pipeline_id);
std::string gate_route_pattern();

// The lease a claim answered with (Job::lease), on every later call about
// that workflow: the server knows the lease holder by it and the token, never
// by a name the agent gives.
inline constexpr std::string_view kLeaseHeader = "X-Factory-Lease";

// --- Claim: ClaimRequest → 200 Job, or 204 when nothing came within the wait.

struct ClaimRequest {
  std::chrono::milliseconds wait{25'000};
  std::string agent;  // the agent's name for people (its host, say): shown, never trusted
};

// A secret a job carries (docs/secrets.md, "Scopes"): the server sends only
// those the workflow's event and branch may receive; the agent gives it to
// the executions of the pipelines listed (block labels), or of every
// pipeline when none is.
struct JobSecret {
  std::string name;
  std::string value;
  std::vector<std::string> pipelines;

  bool operator==(const JobSecret&) const = default;
};

// What an agent needs to run one workflow.
struct Job {
  std::string workflow_id;
  int attempt = 1;
  // The lease's id, made by the server at the claim: sent back as
  // kLeaseHeader on every call about the workflow. Empty for an agent the
  // server provisioned: its token is good for its workflow only. Secret.
  std::string lease;
  std::string project_id;
  core::Repository repository;  // url: what `git fetch` is given
  core::Event event;
  std::vector<JobSecret> secrets;  // empty for pull requests from forks
  // A short-lived token git fetches the repository with (a GitHub App's
  // installation token); empty when the repository needs none. Secret: the
  // agent never logs it.
  std::string clone_token;
  std::chrono::milliseconds heartbeat_interval{1000};
  // How long the server keeps the workflow for an agent whose heartbeats
  // stopped; an agent that cannot reach it for that long gives the run up.
  std::chrono::milliseconds lease_duration{30'000};
};

// --- Plan: PlanReport → 200 PlanIds (or, for diagnostics, the workflow fails).

// The plan as the server records it: pipelines (names, matrix values,
// dependencies, timeouts), their services, stages and executions by name,
// each execution's caches (name and key) and artifacts (patterns and when),
// and the skipped pipelines. Never a script or an environment: those carry
// the project's secrets once the agent runs them. Nor what only the agent
// acts on: cache paths and restore_keys, needs_artifacts.
struct PlanReport {
  std::optional<core::Plan> plan;  // either the plan…
  std::string diagnostics;         // …or why `.factory/` has none (rendered)
};

// The ids the server gave the planned tree, by plan index.
struct StageIds {
  std::string id;
  std::vector<std::string> executions;
};
struct PipelineIds {
  std::string id;
  std::string name;
  std::vector<StageIds> stages;
  // A pipeline with services: the group the server shows them in (a stage
  // named "services" before the others), one "execution" per service.
  std::optional<StageIds> services;
};
// An execution of the plan that the agent does not run: a rerun of part of
// a workflow keeps its earlier result (docs/api.md, "Re-running part of a
// workflow"). The server recorded it so already; the agent reports it as it
// is, and its stage and pipeline go on as if it had run.
// A file an execution kept (docs/configuration.md#artifacts).
struct KeptFile {
  std::string path;  // within its workspace
  std::string digest;
  std::uint64_t size = 0;

  bool operator==(const KeptFile&) const = default;
};
struct KeptExecution {
  std::string execution;  // its id in PlanIds
  core::Status status = core::Status::Success;  // final
  std::string reason;     // "kept from workflow <id>"
  std::optional<int> exit_code;
  // The artifacts it kept when it ran, now also this workflow's: what an
  // execution that needs them receives.
  std::vector<KeptFile> artifacts;

  bool operator==(const KeptExecution&) const = default;
};
struct PlanIds {
  std::vector<PipelineIds> pipelines;
  std::vector<KeptExecution> kept;
};

// --- Events: EventBatch → 200 CancelAnswer.

enum class Stream { Stdout, Stderr };

// One line of an execution's output, numbered per execution from 1 so that
// a batch sent again is stored once.
struct LogLine {
  std::int64_t seq = 0;
  Stream stream = Stream::Stdout;
  std::int64_t at_ms = 0;  // unix milliseconds, the agent's clock
  std::string text;
};

struct ExecutionLog {
  std::string execution;  // its id
  std::vector<LogLine> lines;
};

enum class Node { Pipeline, Stage, Execution };

struct StatusChange {
  Node node = Node::Execution;
  std::string id;
  core::Status status = core::Status::Running;
  std::optional<std::int64_t> at_ms;  // none: when the server gets it
  std::string reason;
  std::optional<int> exit_code;  // executions only
};

// The test results an execution's reports gave (core/test_results.h),
// sent with the change that ends it: a batch sent again replaces them.
struct ExecutionTests {
  std::string execution;  // its id
  core::TestResults results;
};

// What happened since the last batch: lines first (the server stores them
// before the changes, so an ended execution's log is whole), test results,
// then the status changes in the order they happened.
struct EventBatch {
  std::vector<ExecutionLog> logs;
  std::vector<ExecutionTests> tests;
  std::vector<StatusChange> changes;
};

// --- Heartbeat: {} → 200 CancelAnswer (the lease renewed).

// The answer to events and heartbeats: whether to cancel the run.
struct CancelAnswer {
  bool cancel = false;
};

// --- Gate: {} → 200 GateAnswer. Asked before the first stage of a pipeline
// with a concurrency group or an environment (PipelineSpec::gated), again
// after each `wait`, until the answer is another (docs/agents.md, "The
// pipeline gate"). The server decides from what it recorded of the plan,
// never from what the agent says.

enum class GateDecision {
  Run,     // start the pipeline now, with `secrets`
  Wait,    // not yet (`reason` says why): ask again after `retry_after`
  Skip,    // never, as skipped (a branch the environment does not allow)
  Cancel,  // never, as cancelled (superseded in its group, or rejected)
};

struct GateAnswer {
  GateDecision decision = GateDecision::Run;
  std::string reason;  // for people: shown as the pipeline's status reason
  std::chrono::milliseconds retry_after{1000};
  // Run: the secrets of the pipeline's environment, for its executions
  // only; they never travel in a Job. Secret.
  std::vector<JobSecret> secrets;

  bool operator==(const GateAnswer&) const = default;
};

// --- Complete: Completion → 200.

struct Completion {
  core::Status status = core::Status::Success;  // final
  std::string reason;
};

// --- Errors. A refusal is {"error": {"code": code, "message": text}}
// (400 malformed or naming what is not the workflow's, 401/403 the token,
// 404, 409). This code says the workflow is no longer this agent's (its
// lease expired, it ended, or another agent holds it now): stop working on
// it. A 409 with another code refuses one call only (a status change of a
// finished execution, say).
inline constexpr std::string_view kLeaseLost = "lease_lost";
// The code of a refusal's body; empty when it has none.
std::string error_code(const nlohmann::json& body);

// --- The JSON of each.

nlohmann::json to_json(const core::Event& event);
// The same, taking the event's strings rather than copying them: a push may
// name thousands of changed paths.
nlohmann::json to_json(core::Event&& event);
core::Event event_from_json(const nlohmann::json& json);

nlohmann::json to_json(const ClaimRequest& request);
ClaimRequest claim_request_from_json(const nlohmann::json& json);

nlohmann::json to_json(const Job& job);
Job job_from_json(const nlohmann::json& json);

// The plan as PlanReport says: what the server records, nothing more.
nlohmann::json to_json(const core::Plan& plan);
core::Plan plan_from_json(const nlohmann::json& json);

nlohmann::json to_json(const PlanReport& report);
PlanReport plan_report_from_json(const nlohmann::json& json);

nlohmann::json to_json(const PlanIds& ids);
PlanIds plan_ids_from_json(const nlohmann::json& json);

std::string_view to_string(Stream stream);  // "stdout", "stderr"
std::string_view to_string(Node node);      // "pipeline", "stage", "execution"

// An execution's test results: {"totals": {...}, "problems": [...]}, as the
// events call carries them and the REST API and `factory run --json` show
// them (docs/agents.md, "Test results"). Reading checks the bounds of
// core/test_results.h.
nlohmann::json to_json(const core::TestResults& results);
core::TestResults test_results_from_json(const nlohmann::json& json);

nlohmann::json to_json(const LogLine& line);
nlohmann::json to_json(const StatusChange& change);
nlohmann::json to_json(const EventBatch& batch);
EventBatch event_batch_from_json(const nlohmann::json& json);

nlohmann::json to_json(const CancelAnswer& answer);
CancelAnswer cancel_answer_from_json(const nlohmann::json& json);

std::string_view to_string(GateDecision decision);  // "run", "wait", "skip", "cancel"
nlohmann::json to_json(const GateAnswer& answer);
GateAnswer gate_answer_from_json(const nlohmann::json& json);

nlohmann::json to_json(const Completion& completion);
Completion completion_from_json(const nlohmann::json& json);

}  // namespace protocol
