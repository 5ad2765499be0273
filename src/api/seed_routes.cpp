// The seed endpoints, exactly as first described:
//   GET /project?id=…  POST /project  PUT /project?id=…  DELETE /project?id=…
// with JSON fields id, owner, project, url, webhook_secret.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

http::Response created(const store::Project& project) {
  return project_created(seed_project_view(project), project, "/project?id=" + project.id);
}

// A project keeps its owner: the store has no move, and a PUT naming
// another owner must not half-succeed.
void check_same_owner(store::Store& store, const std::string& id, const std::optional<std::string>& owner) {
  if (!owner) return;
  if (unwrap(store.get_project(id)).owner_name != *owner) {
    fail(400, "invalid", "a project cannot be moved to another owner");
  }
}

}  // namespace

void add_seed_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/project", "project", access::server_admin, [&store](http::Request& request) {
    return http::Response::json(200, seed_project_view(unwrap(store.get_project(required_query(request, "id")))));
  });
  routes.add("POST", "/project", "project", access::server_admin, [routes](http::Request& request) {
    const auto body = read_json_object(request, {"owner", "project", "url", "webhook_secret"});
    const store::Project project = create_project(
        routes.store, {required_string(body, "owner"), required_string(body, "project"), required_string(body, "url"),
                       optional_string(body, "webhook_secret").value_or("")});
    audit(routes, request, "project.create", project.id, project_name(project));
    return created(project);
  });
  routes.add("PUT", "/project", "project", access::server_admin, [routes](http::Request& request) {
    store::Store& store = routes.store;
    const std::string id = required_query(request, "id");
    const auto body = read_json_object(request, {"id", "owner", "project", "url", "webhook_secret"});
    if (const auto body_id = optional_string(body, "id"); body_id && *body_id != id) {
      fail(400, "invalid", "the id in the body differs from ?id=");
    }
    const store::ProjectChanges changes{optional_string(body, "project"), optional_string(body, "url"),
                                        optional_string(body, "webhook_secret")};
    check_same_owner(store, id, optional_string(body, "owner"));
    const store::Project project = update_project(store, id, changes);
    audit(routes, request, "project.update", project.id, describe_changes(changes));
    return http::Response::json(200, seed_project_view(project));
  });
  routes.add("DELETE", "/project", "project", access::server_admin, [routes](http::Request& request) {
    const store::Project project = unwrap(routes.store.get_project(required_query(request, "id")));
    unwrap(routes.store.delete_project(project.id));
    audit(routes, request, "project.delete", project.id, project_name(project));
    return no_content();
  });
}

}  // namespace api
