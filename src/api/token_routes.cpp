// Personal API tokens (docs/people.md): /api/v1/user/tokens, a person's own
// (list, create, revoke), and /api/v1/tokens, everyone's, for server admins.
// A token's secret is in the answer to its creation only.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 366;
constexpr std::size_t kMaxTokensPerPerson = 100;  // unrevoked, expired ones included: the list stays short

// {id, name, access, project_id|null, created_at, expires_at, last_used_at|null}
nlohmann::json token_view(const store::ApiToken& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"access", token.access == store::TokenAccess::Read ? "read" : "write"},
          {"project_id", optional_text(token.project_id)},
          {"created_at", timestamp_text(token.created_at)},
          {"expires_at", optional_timestamp(token.expires_at)},
          {"last_used_at", optional_timestamp(token.last_used_at)}};
}

// The caller as the owner of personal tokens: a person (the admin token has
// none). `changes`: a read token may list but not change them.
const Caller& token_owner(const http::Request& request, bool changes) {
  const Caller& caller = caller_of(request);
  if (caller.kind != Caller::Kind::User)
    fail(403, "forbidden", "personal tokens belong to people who signed in; this caller is " + caller.name());
  if (changes && caller.token_limit == Role::Read) fail(403, "forbidden", "a read token cannot change tokens");
  return caller;
}

store::TokenAccess token_access(const nlohmann::json& body) {
  const std::string access = required_string(body, "access");
  if (access == "read") return store::TokenAccess::Read;
  if (access == "write") return store::TokenAccess::Write;
  fail(400, "invalid", "access is \"read\" or \"write\"");
}

int expires_in_days(const nlohmann::json& body) {
  const auto found = body.find("expires_in_days");
  if (found == body.end() || found->is_null()) return kDefaultDays;
  if (!found->is_number_integer() || *found < 1 || *found > kMaxDays)
    fail(400, "invalid", "expires_in_days is a whole number from 1 to " + std::to_string(kMaxDays));
  return found->get<int>();
}

// A token made with another token can reach no further than it: neither
// another project nor past its expiry (so a leaked token cannot outlive
// its revocation through the tokens it made).
store::NewPersonalToken limited_by_caller(const Caller& caller, const std::vector<store::ApiToken>& own_tokens,
                                          store::NewPersonalToken token) {
  if (caller.token_id.empty()) return token;
  if (!caller.token_project_id.empty()) {
    if (!token.project_id.empty() && token.project_id != caller.token_project_id)
      fail(403, "forbidden", "a one-project token makes tokens for its project only");
    token.project_id = caller.token_project_id;
  }
  for (const auto& own : own_tokens)
    if (own.id == caller.token_id && own.expires_at) token.expires_at = std::min(token.expires_at, *own.expires_at);
  return token;
}

http::Response create(const Routes& routes, http::Request& request) {
  const Caller& caller = token_owner(request, true);
  const auto body = read_json_object(request, {"name", "access", "project_id", "expires_in_days"});
  const std::string project_id = optional_string(body, "project_id").value_or("");
  if (!project_id.empty()) {
    // Only a readable project: an unreadable one is as unknown as on every route.
    auto project = routes.store.get_project(project_id);
    if (!project && project.error().kind != store::ErrorKind::NotFound) fail(project.error());
    if (!project || role_on(routes, caller, *project) < Role::Read) fail(404, "not_found", "no project " + project_id);
  }
  const auto days = std::chrono::days{expires_in_days(body)};
  const store::NewPersonalToken wanted{
      .user_id = caller.user_id,
      .name = required_string(body, "name"),
      .access = token_access(body),
      .project_id = project_id,
      .expires_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() + days)};
  const auto own_tokens = unwrap(routes.store.list_personal_tokens(caller.user_id));
  if (own_tokens.size() >= kMaxTokensPerPerson)
    fail(409, "conflict",
         "you have " + std::to_string(own_tokens.size()) + " tokens, the most one person may: revoke one first");
  const store::CreatedToken created =
      unwrap(routes.store.create_personal_token(limited_by_caller(caller, own_tokens, wanted)));
  audit(routes, request, "token.create", created.token.project_id, "token " + created.token.name);
  return http::Response::json(201, {{"token", token_view(created.token)}, {"secret", created.secret}});
}

// Everyone's tokens, each with its owner's login.
nlohmann::json all_tokens(store::Store& store) {
  std::map<std::string, std::string> logins;  // user id → login, each looked up once
  nlohmann::json items = nlohmann::json::array();
  for (const auto& token : unwrap(store.list_personal_tokens())) {
    auto [login, missing] = logins.try_emplace(token.user_id);
    if (missing) login->second = unwrap(store.get_user(token.user_id)).login;
    nlohmann::json view = token_view(token);
    view["user"] = login->second;
    items.push_back(std::move(view));
  }
  return items;
}

}  // namespace

void add_token_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/user/tokens", "user_tokens", access::signed_in, [&store](http::Request& request) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& token : unwrap(store.list_personal_tokens(token_owner(request, false).user_id)))
      items.push_back(token_view(token));
    return http::Response::json(200, {{"items", std::move(items)}});
  });
  routes.add("POST", "/api/v1/user/tokens", "user_tokens", access::signed_in,
             [routes](http::Request& request) { return create(routes, request); });
  routes.add("DELETE", "/api/v1/user/tokens/{id}", "user_token", access::signed_in,
             [routes](http::Request& request) {
               const std::string id{*request.param("id")};
               unwrap(routes.store.revoke_personal_token(id, token_owner(request, true).user_id));
               audit(routes, request, "token.revoke", "", "token " + id);
               return no_content();
             });
  routes.add("GET", "/api/v1/tokens", "tokens", access::server_admin, [&store](http::Request&) {
    return http::Response::json(200, {{"items", all_tokens(store)}});
  });
  routes.add("DELETE", "/api/v1/tokens/{id}", "token", access::server_admin, [routes](http::Request& request) {
    const std::string id{*request.param("id")};
    unwrap(routes.store.revoke_personal_token(id));
    audit(routes, request, "token.revoke", "", "token " + id);
    return no_content();
  });
}

}  // namespace api
