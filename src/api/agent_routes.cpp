// The agent protocol (docs/agents.md, "The protocol"; its JSON is
// src/protocol/'s): build agents claim workflows, report plans, status
// changes and log lines, renew their leases and finish. These routes take
// agent tokens only; the bearer middleware lets them through (they are
// "public" to it) and each checks its caller here: the lease it presents
// with its token, and that every id it names is of that lease's workflow.
#include <nlohmann/json.hpp>

#include "api/agent_calls.h"
#include "api/json_input.h"
#include "api/log_hub.h"
#include "api/routes.h"
#include "api/views.h"
#include "config/glob.h"
#include "config/secret_scope.h"
#include "core/secret_mask.h"
#include "orchestrator/orchestrator.h"
#include "protocol/protocol.h"
#include "store/token_secret.h"

namespace api {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kLongestClaimWait{60'000};
constexpr std::size_t kAgentBodyLimit = 16 * 1024 * 1024;  // a batch of log lines

// The agent calling: its token, and the lease it presents (kLeaseHeader).
// Who it is comes from these two alone: a name it gives is only shown.
struct AgentCaller {
  store::ApiToken token;
  std::string lease;
};

AgentCaller agent_caller(store::Store& store, const http::Request& request) {
  auto token = bearer_token(store, request);
  if (auto* refusal = std::get_if<http::Response>(&token)) {
    if (refusal->status != 401) fail(refusal->status, "unavailable", "tokens cannot be checked now; try again");
    fail(401, "unauthorized", "the agent token is missing or not valid");
  }
  auto& agent_token = std::get<store::ApiToken>(token);
  if (agent_token.scope != store::TokenScope::Agent)
    fail(403, "forbidden", "the agent protocol needs an agent token (factory token create NAME --agent)");
  std::string lease{request.header(protocol::kLeaseHeader).value_or("")};
  return {std::move(agent_token), std::move(lease)};
}

// What a pool agent's lease is recorded under: the name it gave (for
// people), '#', and a digest of its token and the lease the claim made, so
// that only a caller with both holds it; two agents sharing a token do not
// hold each other's leases. An agent the server provisioned holds the lease
// recorded under its token's name, and its token serves that workflow only.
std::string lease_digest(const store::ApiToken& token, std::string_view lease) {
  return store::sha256_hex(token.id + ":" + std::string{lease});
}

// The name shown is the one the agent gave, else its token's: printable
// ASCII but '#', at most 100 bytes (the column holds 255).
std::string pool_lease_owner(const AgentCaller& caller, std::string_view display_name, std::string_view lease) {
  std::string name;
  for (char c : (display_name.empty() ? std::string_view{caller.token.name} : display_name))
    if (c > ' ' && c < 127 && c != '#' && name.size() < 100) name += c;
  return name + "#" + lease_digest(caller.token, lease);
}

bool holds_lease(const AgentCaller& caller, const store::Workflow& workflow) {
  if (!caller.token.workflow_id.empty())
    return workflow.id == caller.token.workflow_id && workflow.lease_owner == caller.token.name;
  return !caller.lease.empty() && workflow.lease_owner.ends_with("#" + lease_digest(caller.token, caller.lease));
}

// The workflow a route names, when the caller's token may act on it.
std::string workflow_of(const AgentCaller& caller, const http::Request& request) {
  std::string id{request.param("id").value_or("")};
  if (!caller.token.workflow_id.empty() && caller.token.workflow_id != id)
    fail(403, "forbidden", "this agent token is for workflow " + caller.token.workflow_id + " only");
  return id;
}

// Names no agent: the holder's name would help a caller pose as it.
[[noreturn]] void lease_lost(const std::string& id, std::string_view why) {
  fail(409, std::string{protocol::kLeaseLost},
       "workflow " + id + " is not leased to this agent (" + std::string{why} + "): stop working on it");
}

// The workflow `id`, checked to be leased to the caller.
store::Workflow leased_workflow(store::Store& store, const AgentCaller& caller, const std::string& id) {
  store::Workflow workflow = unwrap(store.get_workflow(id));
  if (workflow.status != core::Status::Running)
    lease_lost(id, "it is " + std::string{core::to_string(workflow.status)});
  if (!holds_lease(caller, workflow)) lease_lost(id, "another lease holds it, or the lease was not presented");
  return workflow;
}

store::Workflow leased_workflow(store::Store& store, const AgentCaller& caller, const http::Request& request) {
  return leased_workflow(store, caller, workflow_of(caller, request));
}

}  // namespace

store::Workflow agent_workflow(store::Store& store, const http::Request& request) {
  return leased_workflow(store, agent_caller(store, request), request);
}

namespace {

// The secrets a workflow's event and branch may receive, each with the
// pipelines it may reach (docs/secrets.md, "Scopes"). A pull request from a
// fork runs code nobody here reviewed: it gets none, and its project's
// secrets are not even decrypted for it.
std::vector<protocol::JobSecret> deliverable_secrets(store::Store& store, const std::string& project_id,
                                                     const core::Event& event) {
  std::vector<protocol::JobSecret> secrets;
  if (event.from_fork) return secrets;
  for (auto& secret : unwrap(store.project_secrets(project_id)))
    if (config::secret_reaches(secret.scope, event))
      secrets.push_back({std::move(secret.name), std::move(secret.value), std::move(secret.scope.pipelines)});
  return secrets;
}

json job_json(store::Store& store, const orchestrator::Orchestrator& orchestrator, const ApiOptions& options,
              const store::Workflow& workflow, std::string lease) {
  const store::Project project = unwrap(store.get_project(workflow.project_id));
  protocol::Job job;
  job.workflow_id = workflow.id;
  job.attempt = workflow.attempt;
  job.lease = std::move(lease);
  job.project_id = project.id;
  job.repository = {project.owner_name, project.name, project.url};
  job.event = workflow.event;
  job.secrets = deliverable_secrets(store, project.id, workflow.event);
  job.heartbeat_interval = orchestrator.options().heartbeat;
  job.lease_duration = orchestrator.options().lease;
  job.clone_token = github_clone_token(options, project);
  return protocol::to_json(job);
}

http::Response job_response(store::Store& store, const orchestrator::Orchestrator& orchestrator,
                            const ApiOptions& options, const store::Workflow& workflow, std::string lease) {
  try {
    return http::Response::json(200, job_json(store, orchestrator, options, workflow, std::move(lease)));
  } catch (const ApiError& error) {
    return error.response();
  }
}

http::Response claim(store::Store& store, orchestrator::Orchestrator& orchestrator, const ApiOptions& options,
                     http::Request& request) {
  AgentCaller caller = agent_caller(store, request);
  if (!caller.token.workflow_id.empty()) {
    // A provisioned agent: its workflow was claimed for it already.
    return job_response(store, orchestrator, options, leased_workflow(store, caller, caller.token.workflow_id), {});
  }
  const protocol::ClaimRequest asked = read_body(request, protocol::claim_request_from_json);
  if (asked.wait.count() < 0 || asked.wait > kLongestClaimWait) fail(400, "bad_request", "claim.wait_ms must be 0..60000");
  std::string lease = store::new_token_secret();
  const std::string owner = pool_lease_owner(caller, asked.agent, lease);
  return http::Response::later([&store, &orchestrator, &options, owner, lease, wait = asked.wait](
                                   http::Responder respond) {
    orchestrator.claim(owner, wait, [&store, &orchestrator, &options, lease, respond](
                                        std::optional<store::Workflow> workflow) {
      if (!workflow) return respond(http::Response::text(204, ""));
      respond(job_response(store, orchestrator, options, *workflow, lease));
    });
  });
}

// The plan as the tree records it: a pipeline's services are a group named
// "services" before its stages, one execution per service, so that their
// statuses and logs are kept and shown as executions' are.
core::Plan with_services_groups(core::Plan plan) {
  for (core::PipelineSpec& pipeline : plan.pipelines) {
    if (pipeline.services.empty()) continue;
    core::StageSpec group{"services", {}};
    for (const core::ServiceSpec& service : pipeline.services) group.executions.emplace_back().name = service.name;
    pipeline.stages.insert(pipeline.stages.begin(), std::move(group));
  }
  return plan;
}

protocol::StageIds stage_ids(const store::Stage& stage) {
  protocol::StageIds ids{stage.id, {}};
  for (const auto& execution : stage.executions) ids.executions.push_back(execution.id);
  return ids;
}

// The plan the agent made: recorded, answered with the ids of its tree and
// the executions it keeps from an earlier run; or the configuration's
// diagnostics, which fail the workflow.
// The live artifacts of the execution a rerun keeps, recorded as the
// rerun's too (downloadable with it, and readable by its agent), for its
// executions that need them.
std::vector<protocol::KeptFile> kept_artifacts(store::Store& store, const std::string& workflow_id,
                                               const store::Execution& execution, store::Timestamp now) {
  std::vector<protocol::KeptFile> files;
  for (const store::Artifact& earlier : unwrap(store.list_execution_artifacts(execution.kept_from))) {
    if (earlier.expires_at <= now) continue;
    const store::Artifact artifact = unwrap(store.add_artifact(
        {{}, workflow_id, execution.id, earlier.path, earlier.digest, earlier.size, {}, {}}, now));
    files.push_back({artifact.path, artifact.digest, static_cast<std::uint64_t>(artifact.size)});
  }
  return files;
}

http::Response report_plan(store::Store& store, orchestrator::Orchestrator& orchestrator, const ApiOptions& options,
                           http::Request& request) {
  const store::Workflow workflow = agent_workflow(store, request);
  const protocol::PlanReport report = read_body(request, protocol::plan_report_from_json);
  if (!report.plan) {
    const std::string reason = "the configuration is not valid:\n" + report.diagnostics;
    unwrap(store.finish_workflow(workflow.id, core::Status::Failure, reason));
    orchestrator.workflow_finished(workflow.id);
    return http::Response::json(200, protocol::to_json(protocol::Completion{core::Status::Failure, {}}));
  }
  const store::WorkflowTree tree = unwrap(store.record_plan(workflow.id, with_services_groups(*report.plan)));
  protocol::PlanIds ids;
  for (std::size_t p = 0; p < tree.pipelines.size(); ++p) {
    const store::Pipeline& pipeline = tree.pipelines[p];
    protocol::PipelineIds& pipeline_ids = ids.pipelines.emplace_back(pipeline.id, pipeline.name);
    auto stage = pipeline.stages.begin();
    // Planned pipelines come first, in plan order; skipped ones have no services.
    const bool has_services = p < report.plan->pipelines.size() && !report.plan->pipelines[p].services.empty();
    if (has_services && stage != pipeline.stages.end()) pipeline_ids.services = stage_ids(*stage++);
    for (; stage != pipeline.stages.end(); ++stage) pipeline_ids.stages.push_back(stage_ids(*stage));
    for (const auto& stage : pipeline.stages)
      for (const auto& execution : stage.executions)
        if (!execution.kept_from.empty())  // a rerun keeps its result (store::Store::record_plan)
          ids.kept.push_back({execution.id, execution.status, execution.status_reason, execution.exit_code,
                              kept_artifacts(store, workflow.id, execution, now(options))});
  }
  return http::Response::json(200, protocol::to_json(ids));
}

store::LogStream log_stream(protocol::Stream stream) {
  return stream == protocol::Stream::Stderr ? store::LogStream::Stderr : store::LogStream::Stdout;
}

store::TreeNode tree_node(protocol::Node node) {
  switch (node) {
    case protocol::Node::Pipeline: return store::TreeNode::Pipeline;
    case protocol::Node::Stage: return store::TreeNode::Stage;
    case protocol::Node::Execution: return store::TreeNode::Execution;
  }
  return store::TreeNode::Execution;
}

store::TreeReport tree_report(protocol::EventBatch&& batch) {
  store::TreeReport report;
  for (auto& log : batch.logs) {
    store::ExecutionLines& lines = report.logs.emplace_back(std::move(log.execution));
    for (auto& line : log.lines)
      lines.lines.push_back({line.seq, log_stream(line.stream), store::Timestamp{std::chrono::milliseconds{line.at_ms}},
                             std::move(line.text)});
  }
  for (auto& tests : batch.tests) report.tests.push_back({std::move(tests.execution), std::move(tests.results)});
  for (auto& change : batch.changes) {
    std::optional<store::Timestamp> at;
    if (change.at_ms) at = store::Timestamp{std::chrono::milliseconds{*change.at_ms}};
    report.changes.push_back({tree_node(change.node), std::move(change.id),
                              {change.status, std::move(change.reason), change.exit_code, at}});
  }
  return report;
}

// Lines and status changes, checked to be of the caller's workflow and
// recorded all together or not at all (Store::record_report); then passed
// on to live viewers.
http::Response report_events(store::Store& store, LogHub& logs, http::Request& request) {
  const store::Workflow workflow = agent_workflow(store, request);
  const store::TreeReport report = tree_report(read_body(request, protocol::event_batch_from_json));
  unwrap(store.record_report(workflow.id, report));
  for (const auto& log : report.logs) logs.publish(log.execution_id, log.lines);
  for (const auto& change : report.changes)
    if (change.node == store::TreeNode::Execution && core::is_final(change.change.status)) logs.end(change.id);
  return http::Response::json(200, protocol::to_json(protocol::CancelAnswer{workflow.cancel_requested_at.has_value()}));
}

// Every second from every agent: one read by key to learn the lease's
// holder, then the renewal, which checks it again.
http::Response heartbeat(store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  const store::Workflow workflow = agent_workflow(store, request);
  auto renewed = store.renew_lease(workflow.id, workflow.lease_owner, orchestrator.options().lease);
  if (!renewed && renewed.error().kind == store::ErrorKind::Conflict) lease_lost(workflow.id, "it changed meanwhile");
  return http::Response::json(200, protocol::to_json(protocol::CancelAnswer{unwrap(std::move(renewed)).cancel_requested}));
}

// --- The pipeline gate (docs/agents.md, "The pipeline gate"): decided from
// what the store recorded of the plan and of the environment, never from
// what the agent says.

protocol::GateAnswer wait(std::string reason, std::chrono::milliseconds retry_after) {
  return {protocol::GateDecision::Wait, std::move(reason), retry_after, {}};
}

// The pipeline waits with `status` and `reason` (its environment's secrets
// masked), for people to see; a pipeline that ended meanwhile keeps its end.
protocol::GateAnswer wait_at_gate(store::Store& store, const store::PipelineGate& gate, const core::SecretMask& mask,
                                  core::Status status, std::string reason, std::chrono::milliseconds retry_after) {
  reason = mask.apply(reason);
  auto waiting = store.wait_at_gate(gate.pipeline_id, status, reason);
  if (!waiting && waiting.error().kind != store::ErrorKind::Conflict) unwrap(std::move(waiting));
  return wait(std::move(reason), retry_after);
}

std::string in_quotes(std::string_view text) { return "\"" + std::string{text} + "\""; }

// The environment's rules, in order: its branches, a rejection, its
// approvers, its wait timer. Nothing when the pipeline may go on; an
// environment the project does not define has no rules.
std::optional<protocol::GateAnswer> environment_rules(store::Store& store, const store::Workflow& workflow,
                                                      const store::PipelineGate& gate, const core::SecretMask& mask,
                                                      store::Timestamp now, std::chrono::milliseconds retry_after) {
  auto found = store.get_environment(workflow.project_id, gate.environment);
  if (!found && found.error().kind == store::ErrorKind::NotFound) return std::nullopt;
  const store::Environment environment = unwrap(std::move(found));
  const std::string named = "environment " + in_quotes(environment.name);
  std::string error;
  const auto branches = config::GlobList::compile(environment.branches, error);
  if (!environment.branches.empty() && (!branches || !branches->matches(workflow.event.branch)))
    return protocol::GateAnswer{protocol::GateDecision::Skip,
                                (workflow.event.branch.empty() ? "a " + workflow.event.name + " event has no branch"
                                                               : "branch " + in_quotes(workflow.event.branch)) +
                                    " may not deploy to " + named + " (its branches: " +
                                    listed(environment.branches) + ")",
                                {}, {}};
  if (!gate.rejected_by.empty())
    return protocol::GateAnswer{protocol::GateDecision::Cancel, "rejected by " + gate.rejected_by, {}, {}};
  if (!environment.approvers.empty() && gate.approved_by.empty())
    return wait_at_gate(store, gate, mask, core::Status::WaitingForApproval,
                        "waiting for approval by " + approvers_note(environment.approvers) + " (" + named + ")",
                        retry_after);
  const auto started = gate.approved_at ? gate.approved_at : gate.entered_at;
  if (environment.wait_timer.count() > 0 && started) {
    const store::Timestamp ready = *started + environment.wait_timer;
    if (now < ready)
      return wait_at_gate(store, gate, mask, core::Status::Queued,
                          "wait timer of " + named + ": starts at " + timestamp_text(ready),
                          std::min(retry_after, std::chrono::duration_cast<std::chrono::milliseconds>(ready - now)));
  }
  return std::nullopt;
}

// The pipeline's concurrency group, taken; or why not.
std::optional<protocol::GateAnswer> concurrency_group(store::Store& store, orchestrator::Orchestrator& orchestrator,
                                                      const store::Workflow& workflow, const store::PipelineGate& gate,
                                                      const core::SecretMask& mask, store::Timestamp now,
                                                      std::chrono::milliseconds retry_after) {
  const std::string group = "concurrency group " + in_quotes(gate.concurrency);
  auto claimed = store.take_concurrency_group(gate, now);
  if (!claimed && claimed.error().kind == store::ErrorKind::Conflict)
    return wait("another pipeline took " + group + " at the same moment", std::chrono::milliseconds{50});
  const store::GroupClaim claim = unwrap(std::move(claimed));
  const std::string other = "workflow " + claim.workflow_id + " (pipeline " + in_quotes(claim.pipeline) + ")";
  switch (claim.outcome) {
    case store::GroupClaim::Outcome::Holding: return std::nullopt;
    case store::GroupClaim::Outcome::Superseded:
      return protocol::GateAnswer{protocol::GateDecision::Cancel, "superseded by " + other + " in " + group, {}, {}};
    case store::GroupClaim::Outcome::Waiting: break;
  }
  // The newer workflow is who cancels (cancelled_by): a running workflow's
  // reason is the one its agent ends it with.
  if (gate.cancel_in_progress && claim.workflow_id != workflow.id)
    cancel_workflow(store, &orchestrator, claim.workflow_id,
                    mask.apply("cancelled by workflow " + workflow.id + ": a newer pipeline of " + group +
                               " (cancel_in_progress)"),
                    mask.apply("workflow " + workflow.id + " (cancel_in_progress of " + group + ")"));
  return wait_at_gate(store, gate, mask, core::Status::Queued, "waiting for " + group + ": held by " + other,
                      retry_after);
}

// The secrets of the gate's environment; none without one, or for an
// environment the project does not define.
std::vector<protocol::JobSecret> environment_secrets(store::Store& store, const store::Workflow& workflow,
                                                     const store::PipelineGate& gate) {
  std::vector<protocol::JobSecret> released;
  if (gate.environment.empty()) return released;
  auto secrets = store.environment_secrets(workflow.project_id, gate.environment);
  if (!secrets && secrets.error().kind == store::ErrorKind::NotFound) return released;
  for (store::ProjectSecret& secret : unwrap(std::move(secrets)))
    released.push_back({std::move(secret.name), std::move(secret.value), {}});
  return released;
}

core::SecretMask mask_of(const std::vector<protocol::JobSecret>& secrets) {
  core::Env values;
  for (const protocol::JobSecret& secret : secrets) values.emplace(secret.name, secret.value);
  return core::SecretMask{values};
}

// Run (with the environment's secrets), or why not. Every reason has the
// environment's secrets masked: a branch's name, or a group's made of it,
// may hold one.
protocol::GateAnswer decide_gate(store::Store& store, orchestrator::Orchestrator& orchestrator,
                                 const ApiOptions& options, const store::Workflow& workflow,
                                 const store::PipelineGate& gate) {
  const store::Timestamp at = now(options);
  const std::chrono::milliseconds retry_after = orchestrator.options().heartbeat;
  if (core::is_final(gate.status))
    return {protocol::GateDecision::Cancel, "it ended (" + std::string{core::to_string(gate.status)} + ")", {}, {}};
  std::vector<protocol::JobSecret> secrets = environment_secrets(store, workflow, gate);
  const core::SecretMask mask = mask_of(secrets);
  std::optional<protocol::GateAnswer> refused;
  if (!gate.environment.empty()) refused = environment_rules(store, workflow, gate, mask, at, retry_after);
  if (!refused && !gate.concurrency.empty())
    refused = concurrency_group(store, orchestrator, workflow, gate, mask, at, retry_after);
  if (refused) {
    refused->reason = mask.apply(refused->reason);
    return std::move(*refused);
  }
  protocol::GateAnswer run;
  run.secrets = std::move(secrets);
  return run;
}

http::Response pass_gate(store::Store& store, orchestrator::Orchestrator& orchestrator, const ApiOptions& options,
                         http::Request& request) {
  const store::Workflow workflow = agent_workflow(store, request);
  read_no_fields(request);
  const store::PipelineGate gate = unwrap(store.enter_gate(workflow.id, request.param("pipeline_id").value_or("")));
  return http::Response::json(200, protocol::to_json(decide_gate(store, orchestrator, options, workflow, gate)));
}

http::Response complete(store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  const store::Workflow workflow = agent_workflow(store, request);
  const protocol::Completion completion = read_body(request, protocol::completion_from_json);
  unwrap(store.finish_workflow(workflow.id, completion.status, completion.reason));
  orchestrator.workflow_finished(workflow.id);
  return http::Response::json(200, protocol::to_json(protocol::Completion{completion.status, {}}));
}

}  // namespace

void add_agent_routes(const Routes& routes, orchestrator::Orchestrator& orchestrator, std::shared_ptr<LogHub> logs) {
  store::Store& store = routes.store;
  auto add = [&](std::string pattern, std::string name, auto handler) {
    routes.router.add("POST", std::move(pattern),
                      guarded([&store, &orchestrator, handler](http::Request& request) {
                        return handler(store, orchestrator, request);
                      }),
                      {.name = std::move(name), .is_public = true, .body_limit = kAgentBodyLimit});
  };
  // A handler that also reads the API's options (the clock, the settings).
  auto with_options = [options = routes.options](auto handler) {
    return [options, handler](store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
      return handler(store, orchestrator, options, request);
    };
  };
  add(std::string{protocol::kClaimPath}, "agent_claim", with_options(claim));
  add(protocol::route_pattern(protocol::Call::Plan), "agent_plan", with_options(report_plan));
  add(protocol::route_pattern(protocol::Call::Heartbeat), "agent_heartbeat", heartbeat);
  add(protocol::route_pattern(protocol::Call::Complete), "agent_complete", complete);
  add(protocol::gate_route_pattern(), "agent_gate", with_options(pass_gate));
  add(protocol::route_pattern(protocol::Call::Events), "agent_events",
      [logs](store::Store& store, orchestrator::Orchestrator&, http::Request& request) {
        return report_events(store, *logs, request);
      });
}

}  // namespace api
