// Project creation and change rules shared by the seed and the v1 routes.
#include "api/project_input.h"
#include "api/routes.h"

namespace api {

store::Project create_project(store::Store& store, store::NewProject project) {
  check_repository_url(project.url);
  if (project.webhook_secret.empty()) project.webhook_secret = new_webhook_secret();
  return unwrap(store.create_project(project));
}

store::Project update_project(store::Store& store, std::string_view id, const store::ProjectChanges& changes) {
  if (changes.url) check_repository_url(*changes.url);
  return unwrap(store.update_project(id, changes));
}

std::string describe_changes(const store::ProjectChanges& changes) {
  std::string fields;
  auto add = [&fields](bool changed, std::string_view field) {
    if (!changed) return;
    fields += fields.empty() ? "changed " : ", ";
    fields += field;
  };
  add(changes.name.has_value(), "name");
  add(changes.url.has_value(), "url");
  add(changes.webhook_secret.has_value(), "webhook_secret");
  add(changes.cancel_superseded_pushes.has_value(), "cancel_superseded_pushes");
  add(changes.cancel_superseded_pull_requests.has_value(), "cancel_superseded_pull_requests");
  if (changes.is_public) add(true, *changes.is_public ? "public (now true)" : "public (now false)");
  if (changes.fork_pr_approval)
    add(true, "fork_pr_approval (now " + std::string{store::to_string(*changes.fork_pr_approval)} + ")");
  if (changes.cache_limit_bytes) add(true, "cache_limit_bytes (now " + std::to_string(*changes.cache_limit_bytes) + ")");
  if (changes.artifact_retention_days)
    add(true, "artifact_retention_days (now " + std::to_string(*changes.artifact_retention_days) + ")");
  if (changes.default_branch) add(true, "default_branch (now " + *changes.default_branch + ")");
  return fields.empty() ? "changed nothing" : fields;
}

std::string project_name(const store::Project& project) { return project.owner_name + "/" + project.name; }

http::Response no_content() {
  http::Response response;
  response.status = 204;
  return response;
}

}  // namespace api
