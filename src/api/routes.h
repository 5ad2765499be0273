// Internal to src/api: how the route files register their handlers, and
// what they share.
#pragma once

#include <optional>
#include <string>

#include "api/api.h"
#include "api/errors.h"

namespace api {

struct Routes {
  http::Router& router;
  store::Store& store;
  ApiOptions options;

  // Registers a guarded handler with the API's body limit, or its own.
  void add(std::string method, std::string pattern, std::string name, http::Handler handler,
           std::optional<std::size_t> body_limit = {}) const {
    router.add(std::move(method), std::move(pattern), guarded(std::move(handler)),
               {.name = std::move(name), .body_limit = body_limit.value_or(options.body_limit)});
  }
};

void add_seed_routes(const Routes& routes);
void add_owner_routes(const Routes& routes);
void add_project_routes(const Routes& routes);
void add_secret_routes(const Routes& routes);

// Answers 401 for requests to non-public routes without a valid bearer token.
http::Middleware bearer_token_authentication(store::Store& store);

// ?limit= (1..1000, default 50) and ?after= of a list request.
store::PageRequest page_request(const http::Request& request);

// Creating and changing projects, as both the seed and the v1 routes do:
// the URL is checked, and a missing webhook secret is generated.
store::Project create_project(store::Store& store, store::NewProject project);
store::Project update_project(store::Store& store, std::string_view id, const store::ProjectChanges& changes);

// 204 No Content, for deletions.
http::Response no_content();

}  // namespace api
