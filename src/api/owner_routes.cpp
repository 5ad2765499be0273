// /api/v1/owners: list, get, create, rename, delete (409 while it has projects).
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

void add_owner_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/owners", "owners", access::signed_in, [&store](http::Request& request) {
    const auto page = unwrap(store.list_owners(page_request(request)));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& owner : page.items) items.push_back(owner_view(owner));
    return http::Response::json(200, page_view(std::move(items), page.next));
  });
  routes.add("POST", "/api/v1/owners", "owners", access::server_admin, [routes](http::Request& request) {
    const auto body = read_json_object(request, {"name"});
    const auto owner = unwrap(routes.store.create_owner(required_string(body, "name")));
    audit(routes, request, "owner.create", {}, "owner " + owner.name);
    http::Response response = http::Response::json(201, owner_view(owner));
    response.headers.set("Location", "/api/v1/owners/" + owner.id);
    return response;
  });
  routes.add("GET", "/api/v1/owners/{id}", "owner", access::signed_in, [&store](http::Request& request) {
    return http::Response::json(200, owner_view(unwrap(store.get_owner(*request.param("id")))));
  });
  routes.add("PUT", "/api/v1/owners/{id}", "owner", access::server_admin, [routes](http::Request& request) {
    const auto body = read_json_object(request, {"name"});
    const auto before = unwrap(routes.store.get_owner(*request.param("id")));
    const auto owner = unwrap(routes.store.rename_owner(before.id, required_string(body, "name")));
    audit(routes, request, "owner.update", {}, "owner " + before.name + " renamed " + owner.name);
    return http::Response::json(200, owner_view(owner));
  });
  routes.add("DELETE", "/api/v1/owners/{id}", "owner", access::server_admin, [routes](http::Request& request) {
    const auto owner = unwrap(routes.store.get_owner(*request.param("id")));
    unwrap(routes.store.delete_owner(owner.id));
    audit(routes, request, "owner.delete", {}, "owner " + owner.name);
    return no_content();
  });
}

}  // namespace api
