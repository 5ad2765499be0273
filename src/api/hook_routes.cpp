// POST /hooks/github: GitHub webhook deliveries, walked as docs/webhooks.md
// describes. Public: the delivery's signature under the project's webhook
// secret is its authentication.
#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "api/routes.h"
#include "github/signature.h"
#include "github/webhook.h"
#include "store/group_commit.h"

namespace api {

namespace {

constexpr std::size_t kGitHubBodyLimit = 25 * 1024 * 1024;  // GitHub sends no larger payload

// The project when found, nothing when not; other store errors fail the request.
std::optional<store::Project> found(store::Result<store::Project> result) {
  if (result) return std::move(result).value();
  if (result.error().kind != store::ErrorKind::NotFound) fail(result.error());
  return std::nullopt;
}

// A project's url may be any of the repository's three; a project set up
// with another form of it (a mirror, a different host name) is found by its
// owner and name.
store::Project project_of(store::Store& store, const github::RepositoryIdentity& repository) {
  for (const std::string* url : {&repository.html_url, &repository.clone_url, &repository.ssh_url}) {
    if (url->empty()) continue;
    if (auto project = found(store.find_project_by_url(*url))) return std::move(*project);
  }
  if (!repository.owner.empty() && !repository.name.empty()) {
    if (auto project = found(store.find_project_by_name(repository.owner, repository.name))) return std::move(*project);
  }
  if (repository.full_name.empty()) fail(404, "not_found", "the delivery names no repository");
  fail(404, "not_found", "no project for repository '" + repository.full_name + "'");
}

// Every delivery is signed: one without a signature is refused before its
// repository is looked up, so that the answer tells nothing about which
// repositories have projects here. The signature, when there is one.
std::string_view signature_of(const http::Request& request) {
  const auto signature = request.header("X-Hub-Signature-256");
  if (!signature || !github::is_signature(*signature))
    fail(401, "unauthorized", "X-Hub-Signature-256 is missing or not 'sha256=' and 64 hex digits");
  return *signature;
}

void check_signature(const store::Project& project, const http::Request& request, std::string_view signature) {
  if (!github::signature_matches(project.webhook_secret, request.body, signature)) {
    fail(401, "unauthorized", "X-Hub-Signature-256 does not match the body under the project's webhook secret");
  }
}

// A pull request from a fork runs someone else's code with this server's
// agents: it waits until a person with write access approves it, unless the
// project says it need not (docs/people.md).
bool waits_for_approval(const store::Project& project, const github::Webhook& hook) {
  if (!hook.event.from_fork) return false;
  switch (project.fork_pr_approval) {
    case store::ForkApproval::All: return true;
    case store::ForkApproval::FirstTime: return github::is_first_time_contributor(hook.author_association);
    case store::ForkApproval::Never: return false;
  }
  return true;
}

bool cancels_superseded(const store::Project& project, const core::Event& event) {
  if (event.name == "push") return project.cancel_superseded_pushes;
  if (event.name == "pull_request") return project.cancel_superseded_pull_requests;
  return false;
}

// A new workflow for a push or pull request update makes the older
// unfinished ones of its branch pointless, when the project says so. A
// redelivery is no newer than what it repeats, so it cancels nothing.
void cancel_superseded(const WorkflowQueue& queue, orchestrator::Orchestrator* orchestrator,
                       const store::Project& project, const store::EnqueuedWorkflow& enqueued,
                       const core::Event& event) {
  if (enqueued.duplicate || !cancels_superseded(project, event)) return;
  const std::string reason = "superseded by workflow " + enqueued.id;
  // The new workflow is queued whatever happens here: a failure to cancel
  // the old ones must not turn the answer into an error (GitHub would not
  // redeliver, and a redelivery is a duplicate that cancels nothing).
  try {
    for (const store::Workflow& workflow : unwrap(queue.store.superseded_workflows(project.id, enqueued.id, event)))
      cancel_workflow(queue.store, orchestrator, workflow.id, reason, {});
  } catch (const ApiError& error) {
    std::fprintf(stderr, "webhook: cancelling the workflows superseded by %s failed: %s\n", enqueued.id.c_str(),
                 error.what());
  }
}

// The event as the answer and the supersede check need it. Only the store
// needs a push's changed paths, which can be thousands: they are not copied.
core::Event without_changed_paths(core::Event& event) {
  std::vector<std::string> paths = std::exchange(event.changed_paths, {});
  core::Event copy = event;
  event.changed_paths = std::move(paths);
  return copy;
}

// Called once the delivery's transaction committed or failed: on the group
// commit's thread, or on the request's without one. A workflow waiting for
// approval has nothing for the orchestrator yet; it still supersedes.
void answer(const WorkflowQueue& queue, orchestrator::Orchestrator* orchestrator, const store::Project& project,
            core::Event event, bool waits, store::Result<store::EnqueuedWorkflow> result,
            const http::Responder& respond) {
  try {
    const store::EnqueuedWorkflow enqueued = unwrap(std::move(result));
    if (!waits) queue.announce(enqueued);
    cancel_superseded(queue, orchestrator, project, enqueued, event);
    respond(queued_response(enqueued, std::move(event), waits ? "waiting_for_approval" : "queued"));
  } catch (const ApiError& error) {
    respond(error.response());
  }
}

struct HookContext {
  WorkflowQueue queue;
  orchestrator::Orchestrator* orchestrator;
  store::GroupCommit* group_commit;
  std::function<void(const std::string&, const std::string&)> branch_pushed;
};

// Whether a push may have changed the schedules its branch declares: it
// touched .factory/, or its changed paths are not known.
bool may_change_configuration(const core::Event& event) {
  return event.name == "push" &&
         (event.changed_paths.empty() ||
          std::any_of(event.changed_paths.begin(), event.changed_paths.end(),
                      [](const std::string& path) { return path.starts_with(".factory/"); }));
}

http::Response receive(const HookContext& context, const http::Request& request) {
  const std::string_view signature = signature_of(request);
  const auto delivery = request.header("X-GitHub-Delivery").value_or("");
  if (delivery.empty()) fail(400, "invalid", "X-GitHub-Delivery header is missing");
  github::Webhook hook = github::parse_webhook(request.header("X-GitHub-Event").value_or(""), request.body);
  if (hook.kind == github::WebhookKind::Malformed) fail(400, "invalid", hook.reason);
  store::Project project = project_of(context.queue.store, hook.repository);
  check_signature(project, request, signature);  // only now is anything in the body trusted
  if (hook.kind == github::WebhookKind::Ping) return http::Response::json(200, {{"outcome", "ping"}});
  if (hook.kind == github::WebhookKind::Ignored) {
    return http::Response::json(200, {{"outcome", "ignored"}, {"reason", hook.reason}});
  }
  if (context.branch_pushed && may_change_configuration(hook.event))
    context.branch_pushed(project.id, hook.event.branch);
  core::Event event = without_changed_paths(hook.event);
  const bool waits = waits_for_approval(project, hook);
  store::WorkflowRequest workflow{.project_id = project.id,
                                  .delivery_id = std::string(delivery),
                                  .event = std::move(hook.event),
                                  .origin = {.triggered_by = std::move(hook.sender)},
                                  .wait_for_approval = waits};
  return http::Response::later([context, project = std::move(project), workflow = std::move(workflow),
                                event = std::move(event)](http::Responder respond) mutable {
    auto done = [context, project = std::move(project), event = std::move(event), waits = workflow.wait_for_approval,
                 respond = std::move(respond)](store::Result<store::EnqueuedWorkflow> result) mutable {
      answer(context.queue, context.orchestrator, project, std::move(event), waits, std::move(result), respond);
    };
    if (context.group_commit) return context.group_commit->submit(std::move(workflow), std::move(done));
    done(std::move(context.queue.store.enqueue_workflows(std::span{&workflow, 1}).front()));
  });
}

}  // namespace

void add_hook_routes(const Routes& routes) {
  routes.router.add(
      "POST", "/hooks/github",
      guarded([context = HookContext{routes.queue(), routes.options.orchestrator, routes.options.group_commit,
                                     routes.options.branch_pushed}](
                  http::Request& request) { return receive(context, request); }),
      {.name = "github_hook", .is_public = true, .body_limit = kGitHubBodyLimit});
}

}  // namespace api
