// A project's webhook on its GitHub repository: made with the project, so
// that pushes reach FactoryCI without a trip to the repository's settings,
// and deleted with it. A project whose hook GitHub refused is not kept: the
// user fixes the cause (usually the App is not installed on the repository)
// and creates it again, or asks for no hook.
#include "api/routes.h"
#include "github/github.h"

namespace api {

namespace {

github::Repository repository_of(const store::Project& project) { return {project.owner_name, project.name}; }

}  // namespace

bool wants_github_hook(const ApiOptions& options, bool create_webhook) {
  if (!options.github || !create_webhook) return false;
  if (options.public_url.empty())
    fail(400, "invalid",
         "this server has no public URL (--public-url), so GitHub cannot be told where to send webhooks: "
         "set one, or create the project with \"create_webhook\": false");
  return true;
}

store::Project add_github_hook(store::Store& store, const ApiOptions& options, store::Project project) {
  const auto reply =
      options.github->create_hook(repository_of(project), options.public_url + "/hooks/github", project.webhook_secret);
  if (!reply.ok()) {
    (void)store.delete_project(project.id);  // the request changes nothing
    fail(502, "github_hook_failed",
         "GitHub did not create the webhook on " + project.owner_name + "/" + project.name + " (" + reply.problem() +
             "); check that the GitHub App is installed on the repository with the webhooks permission "
             "(docs/github.md), or create the project with \"create_webhook\": false");
  }
  project.github_hook_id = reply.body["id"].get<std::int64_t>();
  unwrap(store.set_github_hook(project.id, project.github_hook_id));
  return project;
}

store::Project update_project_and_hook(store::Store& store, const ApiOptions& options, std::string_view id,
                                      const store::ProjectChanges& changes) {
  if (!options.github || !changes.webhook_secret) return update_project(store, id, changes);
  const store::Project before = unwrap(store.get_project(id));
  store::Project after = update_project(store, id, changes);
  if (!before.github_hook_id) return after;
  const std::string url = options.public_url.empty() ? "" : options.public_url + "/hooks/github";
  const auto reply =
      options.github->update_hook(repository_of(before), *before.github_hook_id, url, *changes.webhook_secret);
  if (!reply.ok()) {
    // The request changes nothing.
    (void)store.update_project(id, {before.name, before.url, before.webhook_secret, before.cancel_superseded_pushes,
                                    before.cancel_superseded_pull_requests, before.is_public,
                                    before.fork_pr_approval});
    fail(502, "github_hook_failed",
         "GitHub did not take the new secret for the webhook on " + before.owner_name + "/" + before.name + " (" +
             reply.problem() + "); the project is left as it was");
  }
  return after;
}

void remove_github_hook(const ApiOptions& options, const store::Project& project) {
  if (!options.github || !project.github_hook_id) return;
  const auto reply = options.github->delete_hook(repository_of(project), *project.github_hook_id);
  if (!reply.ok() && reply.status != 404 && options.warn)
    options.warn("the webhook " + std::to_string(*project.github_hook_id) + " of " + project.owner_name + "/" +
                 project.name + " was not deleted: " + reply.problem() + "; delete it in the repository's settings");
}

std::string github_clone_token(const ApiOptions& options, const store::Project& project) {
  if (!options.github || !options.github->is_app()) return {};
  const auto reply = options.github->clone_token(repository_of(project));
  if (reply.ok()) return reply.body["token"].get<std::string>();
  if (options.warn)
    options.warn("no clone token for " + project.owner_name + "/" + project.name + ": " + reply.problem() +
                 "; the agent fetches without one");
  return {};
}

}  // namespace api
