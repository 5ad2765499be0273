// Workflows: a project's list, one workflow with its tree, a rerun, a
// manual trigger, and the approval of a fork's pull request. Queuing tells
// ApiOptions::workflow_queued.
#include <nlohmann/json.hpp>

#include <set>
#include <utility>

#include "api/event_input.h"
#include "api/json_input.h"
#include "api/rerun.h"
#include "api/routes.h"
#include "api/views.h"
#include "core/utf8.h"
#include "orchestrator/orchestrator.h"

namespace api {

store::EnqueuedWorkflow WorkflowQueue::enqueue(std::string_view project_id, std::string_view delivery_id,
                                               const core::Event& event, const store::WorkflowOrigin& origin) const {
  const auto enqueued = unwrap(store.enqueue_workflow(project_id, delivery_id, event, origin));
  announce(enqueued);
  return enqueued;
}

void WorkflowQueue::announce(const store::EnqueuedWorkflow& enqueued) const {
  if (!enqueued.duplicate && workflow_queued) workflow_queued();
}

// The answer names the event without its changed paths: a push's can be
// thousands, and the workflow's own view has them.
http::Response queued_response(const store::EnqueuedWorkflow& enqueued, const core::Event& event,
                               std::string_view outcome) {
  const nlohmann::json body{{"id", enqueued.id},
                            {"outcome", enqueued.duplicate ? "duplicate" : outcome},
                            {"event", event_view(event)}};
  http::Response response = http::Response::json(enqueued.duplicate ? 200 : 202, body);
  response.headers.set("Location", "/api/v1/workflows/" + enqueued.id);
  return response;
}

namespace {

// Moves a workflow waiting for approval to queued, in the caller's name, and
// wakes the orchestrator to hand it out. It runs as any fork's pull request
// does: without the project's secrets (agent_routes.cpp).
http::Response approve(const Routes& routes, http::Request& request) {
  read_no_fields(request);
  const std::string id{*request.param("id")};
  const store::Workflow workflow = unwrap(routes.store.approve_workflow(id, caller_of(request).name()));
  routes.queue().announce({workflow.id});
  audit(routes, request, "workflow.approve", workflow.project_id,
        "workflow " + workflow.id + " (" + workflow.event.name + " of " + workflow.event.branch + ")");
  return http::Response::json(200, {{"id", workflow.id}, {"status", core::to_string(workflow.status)}});
}

// The execution of a tree with id `id`, as "pipeline/stage/name"; 404 when
// the tree has none (an id of another workflow is as unknown as a made-up one).
std::string execution_place(const store::WorkflowTree& tree, const std::string& id) {
  for (const store::Pipeline& pipeline : tree.pipelines)
    for (const store::Stage& stage : pipeline.stages)
      for (const store::Execution& execution : stage.executions)
        if (execution.id == id) return pipeline.name + "/" + stage.name + "/" + execution.name;
  fail(404, "not_found", "workflow " + tree.workflow.id + " has no execution " + id);
}

// The origin of a rerun of part of a finished workflow (api/rerun.h): its
// failed executions, or `execution`; and the audit's words for it.
std::pair<store::WorkflowOrigin, std::string> partial_rerun(const store::WorkflowTree& earlier,
                                                            const std::optional<std::string>& execution) {
  const store::Workflow& workflow = earlier.workflow;
  if (!core::is_final(workflow.status))
    fail(409, "conflict",
         "workflow " + workflow.id + " is " + std::string{core::to_string(workflow.status)} +
             ": only a finished workflow's failed executions, or one of its executions, can be re-run; wait for it "
             "to end or cancel it");
  store::WorkflowOrigin origin{.rerun_of = workflow.id};
  std::set<std::string> asked;
  std::string words;
  if (execution) {
    words = "execution " + *execution + " (" + execution_place(earlier, *execution) + ")";
    asked.insert(*execution);
    origin.rerun_selection = store::RerunSelection::Execution;
    origin.rerun_execution = *execution;
  } else {
    asked = failed_executions(earlier);
    if (asked.empty())
      fail(409, "conflict",
           "workflow " + workflow.id + " has no failed execution; re-run it whole (no body) or name an execution");
    words = "the " + std::to_string(asked.size()) + " failed executions";
    origin.rerun_selection = store::RerunSelection::Failed;
  }
  origin.kept = kept_executions(earlier, asked, !execution);
  words += " of workflow " + workflow.id + ", keeping " + std::to_string(origin.kept.size());
  return {std::move(origin), std::move(words)};
}

// A rerun is a new workflow of the same event, with a delivery id of its
// own: of all of the workflow, of its failed executions ({"failed": true})
// or of one execution ({"execution": id}), with what depends on them.
http::Response rerun(const Routes& routes, http::Request& request) {
  const nlohmann::json body = read_optional_json_object(request, {"failed", "execution"});
  const bool failed = optional_bool(body, "failed").value_or(false);
  const std::optional<std::string> execution = optional_string(body, "execution");
  if (failed && execution) fail(400, "invalid", "give \"failed\": true or an \"execution\", not both");
  const std::string id{*request.param("id")};
  store::WorkflowTree earlier;
  if (failed || execution)
    earlier = unwrap(routes.store.get_workflow_tree(id));
  else
    earlier.workflow = unwrap(routes.store.get_workflow(id));
  store::Workflow& workflow = earlier.workflow;
  if (workflow.status == core::Status::WaitingForApproval)
    fail(409, "conflict",
         "workflow " + workflow.id + " waits for approval: approve it (POST /api/v1/workflows/" + workflow.id +
             "/approve) or cancel it; a rerun would not wait");
  auto [origin, words] = failed || execution ? partial_rerun(earlier, execution)
                                             : std::pair{store::WorkflowOrigin{.rerun_of = workflow.id},
                                                         "workflow " + workflow.id};
  origin.triggered_by = caller_of(request).name();
  const auto enqueued = routes.queue().enqueue(workflow.project_id, {}, workflow.event, origin);
  audit(routes, request, "workflow.rerun", workflow.project_id, "workflow " + enqueued.id + " re-runs " + words);
  return queued_response(enqueued, std::move(workflow.event));
}

// " with environment=production, replicas=3" for the audit log, cut short
// (a value may be kilobytes).
std::string inputs_detail(const std::map<std::string, std::string>& inputs) {
  constexpr std::size_t kMaxDetail = 300;
  std::string detail;
  for (const auto& [name, value] : inputs) detail += (detail.empty() ? " with " : ", ") + name + "=" + value;
  if (detail.size() <= kMaxDetail) return detail;
  return std::string(core::utf8_prefix(detail, kMaxDetail)) + "…";
}

}  // namespace

std::vector<std::string> approvers(const Routes& routes, const store::Project& project) {
  std::vector<std::string> logins = routes.options.admins;
  for (const store::ProjectMember& member : unwrap(routes.store.list_members(project.id)))
    if (parse_role(member.role).value_or(Role::None) >= Role::Write) logins.push_back(member.login);
  return logins;
}

void add_workflow_routes(const Routes& routes) {
  routes.add("GET", "/api/v1/projects/{id}/workflows", "project_workflows", access::project(Role::Read),
             [routes](http::Request& request) {
    const auto page = unwrap(routes.store.list_workflows(*request.param("id"), page_request(request)));
    const store::Project project = unwrap(routes.store.get_project(*request.param("id")));
    const std::vector<std::string> may_approve = approvers(routes, project);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& workflow : page.items) {
      nlohmann::json view = workflow_view(workflow);
      view["approval"] = approval_view(workflow, project, may_approve);
      items.push_back(std::move(view));
    }
    return http::Response::json(200, page_view(std::move(items), page.next));
  });
  orchestrator::Orchestrator* orchestrator = routes.options.orchestrator;
  routes.add("GET", "/api/v1/workflows/{id}", "workflow", access::workflow(Role::Read),
             [routes, orchestrator](http::Request& request) {
    const store::WorkflowTree tree = unwrap(routes.store.get_workflow_tree(*request.param("id")));
    const store::Project project = unwrap(routes.store.get_project(tree.workflow.project_id));
    nlohmann::json view = workflow_tree_view(tree);
    view["approval"] = approval_view(tree.workflow, project, approvers(routes, project));
    if (tree.workflow.status == core::Status::WaitingForApproval)
      view["waiting_reason"] = "approval by " + view["approval"]["note"].get<std::string>();
    if (tree.workflow.status == core::Status::Queued && orchestrator)
      view["waiting_reason"] = orchestrator->waiting_reason();
    // Who may let a pipeline waiting at its environment's gate go on.
    for (std::size_t p = 0; p < tree.pipelines.size(); ++p)
      if (tree.pipelines[p].status == core::Status::WaitingForApproval)
        view["pipelines"][p]["gate"] =
            pipeline_gate_view(routes, unwrap(routes.store.get_pipeline_gate(tree.pipelines[p].id)));
    return http::Response::json(200, view);
  });
  routes.add("POST", "/api/v1/workflows/{id}/rerun", "workflow_rerun", access::workflow(Role::Write),
             [routes](http::Request& request) { return rerun(routes, request); });
  routes.add("POST", "/api/v1/projects/{id}/trigger", "project_trigger", access::project(Role::Write),
             [routes](http::Request& request) {
    auto [event, with_inputs] = manual_trigger(request);
    const std::string project_id{*request.param("id")};
    if (with_inputs)
      if (auto refusal = check_manual_inputs(routes, unwrap(routes.store.get_project(project_id)), event))
        return std::move(*refusal);
    const auto enqueued =
        routes.queue().enqueue(project_id, {}, event, {.triggered_by = caller_of(request).name()});
    audit(routes, request, "workflow.trigger", project_id,
          "workflow " + enqueued.id + " of branch " + event.branch + inputs_detail(event.inputs));
    return queued_response(enqueued, std::move(event));
  });
  routes.add("POST", "/api/v1/workflows/{id}/approve", "workflow_approve", access::workflow(Role::Write),
             [routes](http::Request& request) { return approve(routes, request); });
}

}  // namespace api
