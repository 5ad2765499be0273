// Internal to src/api: how the route files register their handlers, and
// what they share.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/access.h"
#include "api/api.h"
#include "api/errors.h"

namespace orchestrator {
class Orchestrator;
}

namespace api {

// Queues workflows for the handlers that make them (webhooks, reruns,
// triggers), and calls ApiOptions::workflow_queued for each new one.
struct WorkflowQueue {
  store::Store& store;
  std::function<void()> workflow_queued;

  store::EnqueuedWorkflow enqueue(std::string_view project_id, std::string_view delivery_id,
                                  const core::Event& event, const store::WorkflowOrigin& origin) const;
  // Tells ApiOptions::workflow_queued of a workflow queued elsewhere, unless a duplicate.
  void announce(const store::EnqueuedWorkflow& enqueued) const;
};

class LogHub;

struct Routes {
  http::Router& router;
  store::Store& store;
  ApiOptions options;
  // Reads of branches' `.factory/` under way (input_routes.cpp), shared by every copy.
  std::shared_ptr<std::atomic<int>> branch_reads = std::make_shared<std::atomic<int>>(0);

  // Registers a guarded handler, run only for callers `access` lets in
  // (access.h), with the API's body limit, or its own.
  void add(std::string method, std::string pattern, std::string name, Access access, http::Handler handler,
           std::optional<std::size_t> body_limit = {}) const;

  WorkflowQueue queue() const { return {store, options.workflow_queued}; }
};

void add_seed_routes(const Routes& routes);
void add_owner_routes(const Routes& routes);
void add_project_routes(const Routes& routes);
void add_workflow_routes(const Routes& routes);
void add_execution_routes(const Routes& routes);
void add_hook_routes(const Routes& routes);
void add_secret_routes(const Routes& routes);
void add_schedule_routes(const Routes& routes);
void add_token_routes(const Routes& routes);
// Who may approve a project's workflows that wait for approval, as far as
// FactoryCI knows: the server admins and the logins granted write or admin
// (people with write access on GitHub may too; the note says so).
std::vector<std::string> approvers(const Routes& routes, const store::Project& project);
void add_member_routes(const Routes& routes);
// Environments and their approvals (environment_routes.cpp). approvers_note:
// who may approve a pipeline of an environment with these approvers, in
// words ("alice or a person with write access"); listed: "a, b, c".
void add_environment_routes(const Routes& routes);
std::string approvers_note(const std::vector<std::string>& approvers);
std::string listed(const std::vector<std::string>& items);
// A pipeline's gate: {"pipeline_id", "workflow_id", "name", "status", "status_reason", "concurrency",
// "cancel_in_progress", "environment", "approval": {"required", "approvers", "note", "approved_by", "approved_at",
// "rejected_by"}}, with its environment's approvers (gate_view: given).
nlohmann::json gate_view(const store::PipelineGate& gate, const std::vector<std::string>& approvers);
nlohmann::json pipeline_gate_view(const Routes& routes, const store::PipelineGate& gate);
void add_input_routes(const Routes& routes);

// Checks a manual event's inputs against the input blocks of the `.factory/`
// at the head of its branch, read with git (input_routes.cpp), and completes
// them with the defaults; without a sha, the event gets that head's, so the
// commit that was checked runs. Returns the 400 answer naming each wrong
// input (its "inputs" object maps names to messages), or nullopt. Throws
// ApiError 502 `git` when git cannot read the branch (git's message), 422
// `configuration` when its `.factory/` has errors, 503 `busy` when too many
// reads are under way.
std::optional<http::Response> check_manual_inputs(const Routes& routes, const store::Project& project,
                                                  core::Event& event);
void add_audit_routes(const Routes& routes);
void add_agent_routes(const Routes& routes, orchestrator::Orchestrator& orchestrator, std::shared_ptr<LogHub> logs);
// The agent protocol's blob, cache and artifact calls (blob_routes.cpp), and
// people's cache and artifact routes (artifact_routes.cpp).
void add_blob_routes(const Routes& routes);
void add_artifact_routes(const Routes& routes);
// A workflow's test results (test_routes.cpp).
void add_test_routes(const Routes& routes);
void add_live_routes(const Routes& routes, orchestrator::Orchestrator& orchestrator, std::shared_ptr<LogHub> logs);

// GitHub (github_hooks.cpp). wants_github_hook: whether a new project gets
// a webhook (400 when the server cannot say where to send it);
// add_github_hook: makes it, or deletes the project and answers 502.
bool wants_github_hook(const ApiOptions& options, bool create_webhook);
store::Project add_github_hook(store::Store& store, const ApiOptions& options, store::Project project);
// update_project_and_hook: a new webhook secret goes to the hook too, or the
// project keeps its old one and the answer is 502.
store::Project update_project_and_hook(store::Store& store, const ApiOptions& options, std::string_view id,
                                      const store::ProjectChanges& changes);
void remove_github_hook(const ApiOptions& options, const store::Project& project);

// Records who did what, for the audit log (audit.cpp): the request's
// caller and address, an action ("project.delete", "workflow.approve"),
// the project it concerns (empty for none) and, for people, what it was
// about ("secret NPM_TOKEN"). Called once the action is done: it never
// throws, and an entry the store refuses is reported on stderr, as the
// action cannot be undone.
void audit(const Routes& routes, const http::Request& request, std::string_view action,
           std::string_view project_id, std::string_view detail);

// 401 with a WWW-Authenticate challenge.
http::Response unauthorized(std::string_view message);

// The token of a request's "Authorization: Bearer" header, or the 401 (or
// 503) refusing the request.
std::variant<store::ApiToken, http::Response> bearer_token(store::Store& store, const http::Request& request);

// Access (access.cpp): who sent a request (anonymous without credentials;
// a refusal for bad ones), their role on a project, and the whole check of
// a route's Access, which leaves the caller in request.context.
std::variant<Caller, http::Response> resolve_caller(const Routes& routes, const http::Request& request);
Role role_on(const Routes& routes, const Caller& caller, const store::Project& project);
// Whether a GitHub login is one of ApiOptions::admins (compared without case, as GitHub compares logins).
bool is_server_admin(const ApiOptions& options, std::string_view login);
std::optional<http::Response> authorize(const Routes& routes, const Access& access, http::Request& request);
// Routes that are neither public nor the API's (the server's /metrics) are for server admins.
http::Middleware server_admin_elsewhere(const Routes& routes);

// Whether a request's head has a valid bearer token, of any scope (admin or
// agent), or a live session cookie: its body is then not counted as an
// anonymous sender's.
http::CredentialCheck has_credentials(const Routes& routes);

// Sessions (sessions.cpp): the cookie holding a session's secret; the caller of a request's session cookie, or an
// anonymous one without a live session; 403 `csrf` for a state-changing
// request without the session's X-CSRF-Token.
inline constexpr std::string_view kSessionCookie = "factory_session";
std::variant<Caller, http::Response> session_caller(const Routes& routes, const http::Request& request);
// The value of a cookie the request carries.
std::optional<std::string_view> cookie(const http::Request& request, std::string_view name);
// ApiOptions::clock, or the system clock.
store::Timestamp now(const ApiOptions& options);
void add_sign_in_routes(const Routes& routes);

// ?limit= (1..1000, default 50) and ?after= of a list request.
store::PageRequest page_request(const http::Request& request);

// Creating and changing projects, as both the seed and the v1 routes do:
// the URL is checked, and a missing webhook secret is generated.
store::Project create_project(store::Store& store, store::NewProject project);
store::Project update_project(store::Store& store, std::string_view id, const store::ProjectChanges& changes);
// For audit entries: "owner/name", and which fields a change names ("changed
// name, webhook_secret"; never their values).
std::string project_name(const store::Project& project);
std::string describe_changes(const store::ProjectChanges& changes);

// 204 No Content, for deletions.
http::Response no_content();

// The answer to a queued workflow: 202 {"id", "outcome" ("queued", or
// "waiting_for_approval" for a fork's pull request held), "event" (without
// its changed paths)} with a Location header, or 200 with "outcome":
// "duplicate" for a delivery seen before.
http::Response queued_response(const store::EnqueuedWorkflow& enqueued, const core::Event& event,
                               std::string_view outcome = "queued");

// Cancels a workflow, as the cancel route and superseding pushes do: a
// queued one, or one waiting for approval, ends as cancelled with `reason`;
// a running one only its agent can end, so the store keeps the request for
// its next heartbeat, and `orchestrator` (when given) hears of it at once.
// `by` is the caller's name, the workflow's cancelled_by (empty for a
// superseding push). Returns what was found: Queued or WaitingForApproval
// (now cancelled), Running (asked to stop; also when it was claimed
// meanwhile) or the final status it had already (nothing done).
core::Status cancel_workflow(store::Store& store, orchestrator::Orchestrator* orchestrator, const std::string& id,
                             std::string_view reason, std::string_view by);

}  // namespace api
