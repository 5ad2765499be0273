// Resolving the caller of a request and checking a route's Access (access.h).
#include "api/access.h"

#include <algorithm>
#include <array>

#include "api/routes.h"

namespace api {

namespace {

constexpr std::array<std::string_view, 4> kRoleNames{"none", "read", "write", "admin"};

constexpr std::string_view kSignIn = "sign in, or send an Authorization: Bearer <token> header";

std::string_view target_noun(Target target) {
  switch (target) {
    case Target::Project: return "project";
    case Target::Workflow: return "workflow";
    case Target::Pipeline: return "pipeline";
    case Target::Execution: return "execution";
    case Target::Server: break;
  }
  return "server";
}

// The project a route's {id} belongs to; not_found when there is none.
store::Result<store::Project> target_project(store::Store& store, Target target, std::string_view id) {
  store::Result<std::string> project_id = std::string{id};
  if (target == Target::Workflow) project_id = store.project_of_workflow(id);
  if (target == Target::Pipeline) project_id = store.project_of_pipeline(id);
  if (target == Target::Execution) project_id = store.project_of_execution(id);
  if (!project_id) return project_id.error();
  return store.get_project(*project_id);
}

std::optional<http::Response> check_server_route(const Caller& caller, Role needed) {
  if (needed == Role::None) return std::nullopt;
  if (!caller.signed_in()) return unauthorized(kSignIn);
  // A server admin's read or one-project token is not for the server's own routes.
  const bool unlimited = caller.token_limit == Role::Admin && caller.token_project_id.empty();
  if (needed == Role::Admin && !(caller.server_admin && unlimited))
    return http::Response::error(403, "forbidden", "only a server admin may do this");
  return std::nullopt;
}

std::optional<http::Response> check_project_route(const Routes& routes, const Caller& caller, const Access& access,
                                                  const http::Request& request) {
  const std::string id{request.param("id").value_or("")};
  auto project = target_project(routes.store, access.target, id);
  if (!project && project.error().kind != store::ErrorKind::NotFound) return to_api_error(project.error()).response();
  const Role role = project ? role_on(routes, caller, *project) : Role::None;
  if (role >= access.role) return std::nullopt;
  // Anonymous callers may have more once signed in (a public project's reader too).
  if (!caller.signed_in()) return unauthorized(kSignIn);
  if (role >= Role::Read)
    return http::Response::error(403, "forbidden",
                                 "this needs the " + std::string{to_string(access.role)} + " role on project " +
                                     project->owner_name + "/" + project->name + "; you have " +
                                     std::string{to_string(role)});
  // Unknown and unreadable look the same, so that probing reveals nothing.
  return http::Response::error(404, "not_found", "no " + std::string{target_noun(access.target)} + " " + id);
}

// A personal token acts for its user: a read token reads only; a write
// token does all its user may; a one-project token reaches one project.
std::variant<Caller, http::Response> personal_caller(const Routes& routes, const store::ApiToken& token) {
  auto user = routes.store.get_user(token.user_id);
  if (!user && user.error().kind == store::ErrorKind::NotFound) return unauthorized("the bearer token is not valid");
  if (!user) return to_api_error(user.error()).response();
  return Caller{.kind = Caller::Kind::User,
                .user_id = user->id,
                .login = user->login,
                .server_admin = is_server_admin(routes.options, user->login),
                .token_id = token.id,
                .token_name = token.name,
                .token_limit = token.access == store::TokenAccess::Read ? Role::Read : Role::Admin,
                .token_project_id = token.project_id};
}

Role granted_role(store::Store& store, const store::Project& project, std::string_view login) {
  return parse_role(unwrap(store.member_role(project.id, login))).value_or(Role::None);
}

}  // namespace

bool is_server_admin(const ApiOptions& options, std::string_view login) {
  return std::any_of(options.admins.begin(), options.admins.end(),
                     [login](const std::string& admin) { return http::iequals(admin, login); });
}

std::string_view to_string(Role role) { return kRoleNames[static_cast<std::size_t>(role)]; }

std::optional<Role> parse_role(std::string_view text) {
  const auto found = std::find(kRoleNames.begin(), kRoleNames.end(), text);
  if (found == kRoleNames.end()) return std::nullopt;
  return static_cast<Role>(found - kRoleNames.begin());
}

std::string Caller::name() const {
  switch (kind) {
    case Kind::User: return login;
    case Kind::AdminToken: return "admin token " + token_name;
    case Kind::Anonymous: break;
  }
  return "anonymous";
}

const Caller& caller_of(const http::Request& request) {
  static const Caller anonymous;
  const auto* caller = std::any_cast<Caller>(&request.context);
  return caller ? *caller : anonymous;
}

std::variant<Caller, http::Response> resolve_caller(const Routes& routes, const http::Request& request) {
  if (!request.header("Authorization")) return session_caller(routes, request);
  auto token = bearer_token(routes.store, request);
  if (auto* refusal = std::get_if<http::Response>(&token)) return std::move(*refusal);
  const store::ApiToken& found = std::get<store::ApiToken>(token);
  if (found.scope == store::TokenScope::Personal) return personal_caller(routes, found);
  if (found.scope != store::TokenScope::Admin)
    return http::Response::error(403, "forbidden", "agent tokens may only use the agent protocol (/api/v1/agent/...)");
  return Caller{.kind = Caller::Kind::AdminToken, .server_admin = true, .token_id = found.id,
                .token_name = found.name};
}

Role role_on(const Routes& routes, const Caller& caller, const store::Project& project) {
  Role role = caller.server_admin ? Role::Admin : Role::None;
  // Each source costs a query (or a GitHub call): none once the role is the highest.
  if (caller.kind == Caller::Kind::User && role < Role::Admin) {
    role = std::max(role, granted_role(routes.store, project, caller.login));
    if (role < Role::Admin && routes.options.repository_role)
      role = std::max(role, routes.options.repository_role(caller, project));
  }
  if (!caller.token_project_id.empty() && caller.token_project_id != project.id) role = Role::None;
  role = std::min(role, caller.token_limit);
  // Everyone reads a public project: a token never gives less than none.
  return project.is_public ? std::max(role, Role::Read) : role;
}

void Routes::add(std::string method, std::string pattern, std::string name, Access access, http::Handler handler,
                 std::optional<std::size_t> body_limit) const {
  std::string label = std::string{target_noun(access.target)} + ":" + std::string{to_string(access.role)};
  router.add(std::move(method), std::move(pattern),
             guarded([routes = *this, access, handler = std::move(handler)](http::Request& request) {
               if (auto refusal = authorize(routes, access, request)) return std::move(*refusal);
               return handler(request);
             }),
             {.name = std::move(name),
              .body_limit = body_limit.value_or(options.body_limit),
              .access = std::move(label)});
}

http::Middleware server_admin_elsewhere(const Routes& routes) {
  return [routes](const http::Request& request, const http::Route& route) -> std::optional<http::Response> {
    if (route.options.is_public || !route.options.access.empty()) return std::nullopt;
    auto resolved = resolve_caller(routes, request);
    if (auto* refusal = std::get_if<http::Response>(&resolved)) return std::move(*refusal);
    return check_server_route(std::get<Caller>(resolved), Role::Admin);
  };
}

std::optional<http::Response> authorize(const Routes& routes, const Access& access, http::Request& request) {
  auto resolved = resolve_caller(routes, request);
  if (auto* refusal = std::get_if<http::Response>(&resolved)) return std::move(*refusal);
  request.context = std::get<Caller>(std::move(resolved));
  const Caller& caller = caller_of(request);
  if (access.target == Target::Server) return check_server_route(caller, access.role);
  return check_project_route(routes, caller, access, request);
}

}  // namespace api
