// Environments (docs/configuration.md#environments): a project's
// environments with their rules, their secrets (write-only values,
// docs/secrets.md), and the approval or rejection of a pipeline waiting at
// its environment's gate (docs/people.md, "Approving deployments").
#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

constexpr std::string_view kWriters = "writers";
// As project secrets' (secret_routes.cpp): a 64 KiB value, every byte escaped.
constexpr std::size_t kSecretBodyLimit = 6 * 64 * 1024 + 1024;
constexpr std::int64_t kLongestWaitTimerMinutes = 30 * 24 * 60;

nlohmann::json environment_view(const store::Environment& environment) {
  return {{"name", environment.name},
          {"approvers", environment.approvers},
          {"approvers_note", environment.approvers.empty() ? "nobody needs to approve"
                                                            : approvers_note(environment.approvers)},
          {"branches", environment.branches},
          {"wait_timer_minutes", std::chrono::duration_cast<std::chrono::minutes>(environment.wait_timer).count()},
          {"created_at", timestamp_text(environment.created_at)},
          {"updated_at", timestamp_text(environment.updated_at)}};
}

// The rules a PUT gives; what it leaves out is empty (no rule).
store::Environment environment_of(const http::Request& request) {
  const auto body = read_json_object(request, {"approvers", "branches", "wait_timer_minutes"});
  store::Environment environment;
  environment.name = std::string{*request.param("name")};
  environment.approvers = optional_strings(body, "approvers").value_or(std::vector<std::string>{});
  environment.branches = optional_strings(body, "branches").value_or(std::vector<std::string>{});
  if (body.contains("wait_timer_minutes") && !body["wait_timer_minutes"].is_null()) {
    const auto& minutes = body["wait_timer_minutes"];
    if (!minutes.is_number_integer() || minutes.get<std::int64_t>() < 0 ||
        minutes.get<std::int64_t>() > kLongestWaitTimerMinutes)
      fail(400, "invalid", "wait_timer_minutes must be a whole number of minutes from 0 to 43200 (30 days)");
    environment.wait_timer = std::chrono::minutes{minutes.get<std::int64_t>()};
  }
  return environment;
}

// Whether the caller is one of the environment's approvers: named by login,
// or, with "writers" among them, a person or token with write access.
bool may_approve(const Routes& routes, const Caller& caller, const store::Project& project,
                 const std::vector<std::string>& approvers) {
  std::string login = caller.login;
  std::transform(login.begin(), login.end(), login.begin(), [](unsigned char c) { return std::tolower(c); });
  if (caller.kind == Caller::Kind::User && std::ranges::find(approvers, login) != approvers.end()) return true;
  return std::ranges::find(approvers, kWriters) != approvers.end() && role_on(routes, caller, project) >= Role::Write;
}

// The approvers of a gate's environment; empty when it needs no approval
// (or the project does not define it).
std::vector<std::string> gate_approvers(const Routes& routes, const store::PipelineGate& gate) {
  if (gate.environment.empty()) return {};
  auto environment = routes.store.get_environment(gate.project_id, gate.environment);
  if (!environment && environment.error().kind == store::ErrorKind::NotFound) return {};
  return unwrap(std::move(environment)).approvers;
}

// Approves or rejects a pipeline waiting for approval, as one of its
// environment's approvers, and audits it.
http::Response decide(const Routes& routes, http::Request& request, bool approve) {
  read_no_fields(request);
  const store::PipelineGate waiting = unwrap(routes.store.get_pipeline_gate(*request.param("id")));
  const store::Project project = unwrap(routes.store.get_project(waiting.project_id));
  const std::vector<std::string> approvers = gate_approvers(routes, waiting);
  const Caller& caller = caller_of(request);
  if (approvers.empty())
    fail(409, "conflict", "pipeline " + waiting.pipeline_id + " needs no approval");
  if (!may_approve(routes, caller, project, approvers))
    fail(403, "forbidden",
         "only " + approvers_note(approvers) + " may approve or reject deployments to environment \"" +
             waiting.environment + "\"");
  const store::PipelineGate gate = unwrap(routes.store.decide_approval(waiting.pipeline_id, caller.name(), approve));
  audit(routes, request, approve ? "pipeline.approve" : "pipeline.reject", gate.project_id,
        "pipeline " + gate.name + " of workflow " + gate.workflow_id + " (environment " + gate.environment + ")");
  return http::Response::json(200, gate_view(gate, approvers));
}

}  // namespace

std::string listed(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::string approvers_note(const std::vector<std::string>& approvers) {
  std::vector<std::string> words;
  for (const std::string& approver : approvers)
    words.push_back(approver == kWriters ? "a person with write access" : approver);
  if (words.size() < 2) return listed(words);
  const std::string last = words.back();
  words.pop_back();
  return listed(words) + " or " + last;
}

nlohmann::json gate_view(const store::PipelineGate& gate, const std::vector<std::string>& approvers) {
  return {{"pipeline_id", gate.pipeline_id},
          {"workflow_id", gate.workflow_id},
          {"name", gate.name},
          {"status", core::to_string(gate.status)},
          {"status_reason", gate.status_reason},
          {"concurrency", optional_text(gate.concurrency)},
          {"cancel_in_progress", gate.cancel_in_progress},
          {"environment", optional_text(gate.environment)},
          {"approval",
           {{"required", !approvers.empty()},
            {"approvers", approvers},
            {"note", approvers.empty() ? "nobody needs to approve" : approvers_note(approvers)},
            {"approved_by", optional_text(gate.approved_by)},
            {"approved_at", optional_timestamp(gate.approved_at)},
            {"rejected_by", optional_text(gate.rejected_by)}}}};
}

nlohmann::json pipeline_gate_view(const Routes& routes, const store::PipelineGate& gate) {
  return gate_view(gate, gate_approvers(routes, gate));
}

void add_environment_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/projects/{id}/environments", "project_environments", access::project(Role::Read),
             [&store](http::Request& request) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& environment : unwrap(store.list_environments(*request.param("id"))))
      items.push_back(environment_view(environment));
    return http::Response::json(200, {{"items", std::move(items)}});
  });
  routes.add("PUT", "/api/v1/projects/{id}/environments/{name}", "project_environment", access::project(Role::Admin),
             [&store, routes](http::Request& request) {
    const std::string project{*request.param("id")};
    const store::Environment environment = environment_of(request);
    const bool created = unwrap(store.set_environment(project, environment));
    audit(routes, request, "environment.set", project,
          "environment " + environment.name + (created ? " (created)" : " (replaced)") + ": approvers [" +
              listed(environment.approvers) + "], branches [" + listed(environment.branches) + "]");
    return http::Response::json(created ? 201 : 200,
                                environment_view(unwrap(store.get_environment(project, environment.name))));
  });
  routes.add("DELETE", "/api/v1/projects/{id}/environments/{name}", "project_environment",
             access::project(Role::Admin), [&store, routes](http::Request& request) {
    const std::string project{*request.param("id")};
    const std::string name{*request.param("name")};
    unwrap(store.delete_environment(project, name));
    audit(routes, request, "environment.delete", project, "environment " + name);
    return no_content();
  });
  routes.add("GET", "/api/v1/projects/{id}/environments/{name}/secrets", "environment_secrets",
             access::project(Role::Admin), [&store](http::Request& request) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& secret : unwrap(store.list_environment_secrets(*request.param("id"), *request.param("name"))))
      items.push_back({{"name", secret.name},
                       {"created_at", timestamp_text(secret.created_at)},
                       {"updated_at", timestamp_text(secret.updated_at)}});
    return http::Response::json(200, {{"items", std::move(items)}});
  });
  routes.add(
      "PUT", "/api/v1/projects/{id}/environments/{name}/secrets/{secret}", "environment_secret",
      access::project(Role::Admin),
      [&store, routes](http::Request& request) {
        const auto body = read_json_object(request, {"value"});
        const std::string project{*request.param("id")};
        const std::string environment{*request.param("name")};
        const std::string name{*request.param("secret")};
        const bool created =
            unwrap(store.set_environment_secret(project, environment, name, required_string(body, "value")));
        audit(routes, request, "environment_secret.set", project,
              "secret " + name + " of environment " + environment + (created ? " (created)" : " (replaced)"));
        return created ? http::Response{.status = 201} : no_content();
      },
      kSecretBodyLimit);
  routes.add("DELETE", "/api/v1/projects/{id}/environments/{name}/secrets/{secret}", "environment_secret",
             access::project(Role::Admin), [&store, routes](http::Request& request) {
    const std::string project{*request.param("id")};
    const std::string environment{*request.param("name")};
    const std::string name{*request.param("secret")};
    unwrap(store.delete_environment_secret(project, environment, name));
    audit(routes, request, "environment_secret.delete", project, "secret " + name + " of environment " + environment);
    return no_content();
  });
  routes.add("GET", "/api/v1/pipelines/{id}/gate", "pipeline_gate", access::pipeline(Role::Read),
             [routes](http::Request& request) {
    const store::PipelineGate gate = unwrap(routes.store.get_pipeline_gate(*request.param("id")));
    return http::Response::json(200, pipeline_gate_view(routes, gate));
  });
  routes.add("POST", "/api/v1/pipelines/{id}/approve", "pipeline_approve", access::pipeline(Role::Read),
             [routes](http::Request& request) { return decide(routes, request, true); });
  routes.add("POST", "/api/v1/pipelines/{id}/reject", "pipeline_reject", access::pipeline(Role::Read),
             [routes](http::Request& request) { return decide(routes, request, false); });
}

}  // namespace api
