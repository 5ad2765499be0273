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

http::Response no_content() {
  http::Response response;
  response.status = 204;
  return response;
}

}  // namespace api
