// /api/v1/projects/{id}/secrets: list names, set (create or replace) and
// delete project secrets (docs/secrets.md). Values are write-only.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

// A value of the store's 64 KiB limit fits even with every byte written as a
// JSON \u00XX escape; the store gives the clear error for a longer one.
constexpr std::size_t kSecretBodyLimit = 6 * 64 * 1024 + 1024;

}  // namespace

void add_secret_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/projects/{id}/secrets", "project_secrets", access::project(Role::Admin),
             [&store](http::Request& request) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& secret : unwrap(store.list_secrets(*request.param("id")))) items.push_back(secret_view(secret));
    return http::Response::json(200, {{"items", std::move(items)}});
  });
  routes.add(
      "PUT", "/api/v1/projects/{id}/secrets/{name}", "project_secret", access::project(Role::Admin),
      [routes](http::Request& request) {
        const auto body = read_json_object(request, {"value"});
        const std::string project_id{*request.param("id")};
        const std::string name{*request.param("name")};
        const bool created = unwrap(routes.store.set_secret(project_id, name, required_string(body, "value")));
        audit(routes, request, "secret.set", project_id, "secret " + name + (created ? " (created)" : " (replaced)"));
        return created ? http::Response{.status = 201} : no_content();
      },
      kSecretBodyLimit);
  routes.add("DELETE", "/api/v1/projects/{id}/secrets/{name}", "project_secret", access::project(Role::Admin),
             [routes](http::Request& request) {
    const std::string project_id{*request.param("id")};
    const std::string name{*request.param("name")};
    unwrap(routes.store.delete_secret(project_id, name));
    audit(routes, request, "secret.delete", project_id, "secret " + name);
    return no_content();
  });
}

}  // namespace api
