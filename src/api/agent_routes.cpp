// The agent protocol (docs/agent-protocol.md): build agents claim workflows,
// report plans, status changes and log lines, renew their leases and finish.
// These routes take agent tokens only; the bearer middleware lets them
// through (they are "public" to it) and each checks its caller here.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/log_hub.h"
#include "api/routes.h"
#include "orchestrator/orchestrator.h"
#include "protocol/protocol.h"

namespace api {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kLongestClaimWait{60'000};
constexpr std::size_t kAgentBodyLimit = 16 * 1024 * 1024;  // a batch of log lines

// The agent calling: its token, and the name its leases are recorded under.
struct AgentCaller {
  store::ApiToken token;
  std::string name;
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
  // A provisioned agent is named by its token; pool agents name themselves.
  std::string name = agent_token.name;
  if (agent_token.workflow_id.empty())
    if (auto header = request.header("X-Factory-Agent"); header && !header->empty()) name = std::string{*header};
  return {std::move(agent_token), std::move(name)};
}

json parse_body(const http::Request& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) fail(400, "bad_request", "the body is not a JSON object");
  return body;
}

// The workflow a route names, when the caller's token may act on it.
std::string workflow_of(const AgentCaller& caller, const http::Request& request) {
  std::string id{request.param("id").value_or("")};
  if (!caller.token.workflow_id.empty() && caller.token.workflow_id != id)
    fail(403, "forbidden", "this agent token is for workflow " + caller.token.workflow_id + " only");
  return id;
}

[[noreturn]] void lease_lost(const std::string& id, const AgentCaller& caller, std::string_view state) {
  fail(409, "lease_lost",
       "workflow " + id + " is not leased to agent " + caller.name + " (" + std::string{state} + "): stop working on it");
}

// The workflow `id`, checked to be leased to the caller.
store::Workflow leased_workflow(store::Store& store, const AgentCaller& caller, const std::string& id) {
  store::Workflow workflow = unwrap(store.get_workflow(id));
  if (workflow.status != core::Status::Running || workflow.lease_owner != caller.name)
    lease_lost(id, caller, "it is " + std::string{core::to_string(workflow.status)});
  return workflow;
}

store::Workflow leased_workflow(store::Store& store, const AgentCaller& caller, const http::Request& request) {
  return leased_workflow(store, caller, workflow_of(caller, request));
}

json job_json(store::Store& store, const orchestrator::Orchestrator& orchestrator, const ApiOptions& options,
              const store::Workflow& workflow) {
  const store::Project project = unwrap(store.get_project(workflow.project_id));
  protocol::Job job;
  job.workflow_id = workflow.id;
  job.attempt = workflow.attempt;
  job.project_id = project.id;
  job.repository = {project.owner_name, project.name, project.url};
  job.event = workflow.event;
  // Pull requests from forks run code nobody here reviewed: no secrets.
  if (!workflow.event.from_fork) job.secrets = unwrap(store.project_secrets(project.id));
  job.heartbeat_interval = orchestrator.options().heartbeat;
  job.lease = orchestrator.options().lease;
  job.clone_token = github_clone_token(options, project);
  return protocol::to_json(job);
}

http::Response job_response(store::Store& store, const orchestrator::Orchestrator& orchestrator,
                            const ApiOptions& options, const store::Workflow& workflow) {
  try {
    return http::Response::json(200, job_json(store, orchestrator, options, workflow));
  } catch (const ApiError& error) {
    return error.response();
  }
}

http::Response claim(store::Store& store, orchestrator::Orchestrator& orchestrator, const ApiOptions& options,
                     http::Request& request) {
  AgentCaller caller = agent_caller(store, request);
  if (!caller.token.workflow_id.empty()) {
    // A provisioned agent: its workflow was claimed for it already.
    return job_response(store, orchestrator, options, leased_workflow(store, caller, caller.token.workflow_id));
  }
  const json body = request.body.empty() ? json::object() : parse_body(request);
  const auto wait = std::chrono::milliseconds{body.value("wait_ms", 25'000)};
  if (wait.count() < 0 || wait > kLongestClaimWait) fail(400, "bad_request", "wait_ms must be 0..60000");
  return http::Response::later([&store, &orchestrator, &options, caller, wait](http::Responder respond) {
    orchestrator.claim(caller.name, wait,
                       [&store, &orchestrator, &options, respond](std::optional<store::Workflow> workflow) {
      if (!workflow) return respond(http::Response::text(204, ""));
      respond(job_response(store, orchestrator, options, *workflow));
    });
  });
}

// The plan the agent made: recorded, answered with the ids of its tree; or
// the configuration's diagnostics, which fail the workflow.
http::Response report_plan(store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  const store::Workflow workflow = leased_workflow(store, agent_caller(store, request), request);
  const json body = parse_body(request);
  if (body.contains("diagnostics")) {
    const std::string diagnostics = body["diagnostics"].is_string() ? body["diagnostics"].get<std::string>() : "";
    const std::string reason = "the configuration is not valid:\n" + diagnostics;
    unwrap(store.finish_workflow(workflow.id, core::Status::Failure, reason));
    orchestrator.workflow_finished(workflow.id);
    return http::Response::json(200, {{"status", "failure"}});
  }
  core::Plan plan;
  try {
    plan = protocol::plan_from_json(body.value("plan", json{}));
  } catch (const protocol::Malformed& error) {
    fail(400, "bad_request", error.what());
  }
  const store::WorkflowTree tree = unwrap(store.record_plan(workflow.id, plan));
  json pipelines = json::array();
  for (const auto& pipeline : tree.pipelines) {
    json stages = json::array();
    for (const auto& stage : pipeline.stages) {
      json executions = json::array();
      for (const auto& execution : stage.executions) executions.push_back(execution.id);
      stages.push_back({{"id", stage.id}, {"executions", executions}});
    }
    pipelines.push_back({{"id", pipeline.id}, {"name", pipeline.name}, {"stages", stages}});
  }
  return http::Response::json(200, {{"pipelines", pipelines}});
}

store::LogStream log_stream(std::string_view name) {
  if (name == "stderr") return store::LogStream::Stderr;
  if (name == "system") return store::LogStream::System;
  return store::LogStream::Stdout;
}

std::vector<store::LogLine> read_lines(const json& lines) {
  std::vector<store::LogLine> result;
  for (const json& line : lines) {
    if (!line.is_object() || !line.contains("seq") || !line["seq"].is_number_integer())
      fail(400, "bad_request", "each log line needs an integer seq");
    result.push_back({line["seq"].get<std::int64_t>(), log_stream(line.value("stream", "stdout")),
                      store::Timestamp{std::chrono::milliseconds{line.value("at", std::int64_t{0})}},
                      line.value("text", std::string{})});
  }
  return result;
}

// Status changes a batch carries, applied in order. A change the store
// refuses as a conflict was applied before (a batch sent again after a lost
// answer) or comes after the server ended the node (a cancel): both are done.
void apply_change(store::Store& store, LogHub& logs, const json& change) {
  const std::string node = change.value("node", "");
  const std::string id = change.value("id", "");
  const auto status = core::parse_status(change.value("status", ""));
  if (!status) fail(400, "bad_request", "unknown status in a change of " + node + " " + id);
  store::StatusChange update{*status, change.value("reason", ""), std::nullopt, std::nullopt};
  if (change.contains("at") && change["at"].is_number_integer())
    update.at = store::Timestamp{std::chrono::milliseconds{change["at"].get<std::int64_t>()}};
  if (change.contains("exit_code") && change["exit_code"].is_number_integer())
    update.exit_code = change["exit_code"].get<int>();
  store::Status applied;
  if (node == "pipeline") applied = store.set_pipeline_status(id, update);
  else if (node == "stage") applied = store.set_stage_status(id, update);
  else if (node == "execution") applied = store.set_execution_status(id, update);
  else fail(400, "bad_request", "a change's node must be pipeline, stage or execution");
  if (!applied && applied.error().kind != store::ErrorKind::Conflict) fail(applied.error());
  if (node == "execution" && core::is_final(*status)) logs.end(id);
}

http::Response report_events(store::Store& store, LogHub& logs,
                             http::Request& request) {
  const store::Workflow workflow = leased_workflow(store, agent_caller(store, request), request);
  const json body = parse_body(request);
  for (const json& batch : body.value("logs", json::array())) {
    const std::string execution = batch.value("execution", "");
    auto lines = read_lines(batch.value("lines", json::array()));
    unwrap(store.append_log(execution, lines));
    logs.publish(execution, lines);
  }
  for (const json& change : body.value("changes", json::array())) apply_change(store, logs, change);
  return http::Response::json(200, {{"cancel", workflow.cancel_requested_at.has_value()}});
}

// Every second from every agent: renewing checks the lease holder by itself,
// so no read comes first.
http::Response heartbeat(store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  const AgentCaller caller = agent_caller(store, request);
  const std::string id = workflow_of(caller, request);
  auto renewed = store.renew_lease(id, caller.name, orchestrator.options().lease);
  if (!renewed && renewed.error().kind == store::ErrorKind::Conflict) lease_lost(id, caller, renewed.error().message);
  return http::Response::json(200, {{"cancel", unwrap(std::move(renewed)).cancel_requested}});
}

http::Response complete(store::Store& store, orchestrator::Orchestrator& orchestrator, http::Request& request) {
  const store::Workflow workflow = leased_workflow(store, agent_caller(store, request), request);
  const json body = parse_body(request);
  const auto status = core::parse_status(body.value("status", ""));
  if (!status || !core::is_final(*status)) fail(400, "bad_request", "status must be a final status");
  unwrap(store.finish_workflow(workflow.id, *status, body.value("reason", "")));
  orchestrator.workflow_finished(workflow.id);
  return http::Response::json(200, {{"status", core::to_string(*status)}});
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
  add("/api/v1/agent/claim", "agent_claim",
      [options = routes.options](store::Store& store, orchestrator::Orchestrator& orchestrator,
                                 http::Request& request) { return claim(store, orchestrator, options, request); });
  add("/api/v1/agent/workflows/{id}/plan", "agent_plan", report_plan);
  add("/api/v1/agent/workflows/{id}/heartbeat", "agent_heartbeat", heartbeat);
  add("/api/v1/agent/workflows/{id}/complete", "agent_complete", complete);
  add("/api/v1/agent/workflows/{id}/events", "agent_events",
      [logs](store::Store& store, orchestrator::Orchestrator&, http::Request& request) {
        return report_events(store, *logs, request);
      });
}

}  // namespace api
