// /api/v1/projects/{id}/secrets: list names and scopes, set (create or
// replace, value and scope) and delete project secrets (docs/secrets.md).
// Values are write-only.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

// A value of the store's 64 KiB limit fits even with every byte written as a
// JSON \u00XX escape; the store gives the clear error for a longer one.
constexpr std::size_t kSecretBodyLimit = 6 * 64 * 1024 + 1024;

// The scope a PUT gives: each list it leaves out has its default
// (core::SecretScope). The store checks the entries.
core::SecretScope scope_of(const nlohmann::json& body) {
  core::SecretScope scope;
  if (auto events = optional_strings(body, "events")) scope.events = std::move(*events);
  if (auto branches = optional_strings(body, "branches")) scope.branches = std::move(*branches);
  if (auto pipelines = optional_strings(body, "pipelines")) scope.pipelines = std::move(*pipelines);
  return scope;
}

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
      [&store, routes](http::Request& request) {
        const auto body = read_json_object(request, {"value", "events", "branches", "pipelines"});
        const std::string project{*request.param("id")};
        const std::string name{*request.param("name")};
        const bool created = unwrap(store.set_secret(project, name, required_string(body, "value"), scope_of(body)));
        audit(routes, request, "secret.set", project, "secret " + name + (created ? " (created)" : " (replaced)"));
        return created ? http::Response{.status = 201} : no_content();
      },
      kSecretBodyLimit);
  routes.add("DELETE", "/api/v1/projects/{id}/secrets/{name}", "project_secret", access::project(Role::Admin),
             [&store, routes](http::Request& request) {
    const std::string project{*request.param("id")};
    const std::string name{*request.param("name")};
    unwrap(store.delete_secret(project, name));
    audit(routes, request, "secret.delete", project, "secret " + name);
    return no_content();
  });
}

}  // namespace api
