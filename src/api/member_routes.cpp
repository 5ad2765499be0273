// People (docs/people.md): grants of a role on a project to GitHub logins,
// /api/v1/projects/{id}/members (project admins), and the users who signed
// in, /api/v1/users (server admins).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

// Grants are kept, and shown, in lowercase (store::ProjectMember).
std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string granted(const nlohmann::json& body) {
  const std::string role = required_string(body, "role");
  const auto parsed = parse_role(role);
  if (!parsed || *parsed == Role::None) fail(400, "invalid", "role is \"read\", \"write\" or \"admin\"");
  return role;
}

http::Response set_member(const Routes& routes, http::Request& request) {
  const std::string project_id{*request.param("id")}, login{*request.param("login")};
  const std::string role = granted(read_json_object(request, {"role"}));
  const bool created = unwrap(routes.store.set_member(project_id, login, role));
  audit(routes, request, "member.set", project_id, login + " as " + role);
  nlohmann::json view{{"login", lowercase(login)}, {"role", role}};
  return http::Response::json(created ? 201 : 200, view);
}

nlohmann::json user_view(const ApiOptions& options, const store::User& user) {
  return {{"id", user.id},
          {"login", user.login},
          {"name", user.name},
          {"avatar_url", user.avatar_url},
          {"server_admin", is_server_admin(options, user.login)},
          {"created_at", timestamp_text(user.created_at)},
          {"last_sign_in_at", optional_timestamp(user.last_sign_in_at)}};
}

}  // namespace

void add_member_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/projects/{id}/members", "project_members", access::project(Role::Admin),
             [&store](http::Request& request) {
               nlohmann::json items = nlohmann::json::array();
               for (const auto& member : unwrap(store.list_members(*request.param("id"))))
                 items.push_back({{"login", member.login}, {"role", member.role}});
               return http::Response::json(200, {{"items", std::move(items)}});
             });
  routes.add("PUT", "/api/v1/projects/{id}/members/{login}", "project_member", access::project(Role::Admin),
             [routes](http::Request& request) { return set_member(routes, request); });
  routes.add("DELETE", "/api/v1/projects/{id}/members/{login}", "project_member", access::project(Role::Admin),
             [routes](http::Request& request) {
               const std::string project_id{*request.param("id")}, login{*request.param("login")};
               unwrap(routes.store.remove_member(project_id, login));
               audit(routes, request, "member.remove", project_id, login);
               return no_content();
             });
  routes.add("GET", "/api/v1/users", "users", access::server_admin, [routes](http::Request& request) {
    const auto page = unwrap(routes.store.list_users(page_request(request)));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& user : page.items) items.push_back(user_view(routes.options, user));
    return http::Response::json(200, page_view(std::move(items), page.next));
  });
}

}  // namespace api
