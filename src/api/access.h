// Who is calling, and what they may do (docs/people.md).
//
// Every API route declares an Access: the least role it needs and where its
// {id} leads (a project, a workflow, a pipeline or an execution, each belonging to one
// project; or the server as a whole). Routes::add resolves the caller of each
// request, works out their role on the route's project and refuses before the
// handler runs:
//   - no credentials on a route that needs them: 401;
//   - a role below Read on the project: 404, worded as for a project that does
//     not exist, so that a private project's existence is not revealed;
//   - Read but less than the route needs: 403.
// Server routes need a signed-in caller (Read) or a server admin (Admin).
// The handler finds the caller with caller_of(request).
//
// Roles on a project come from: being a server admin (the admin token, a
// user named with --admin) → Admin; grants made through the API; the user's
// permission on the GitHub repository (ApiOptions::repository_role); a public
// project → Read for everyone. A personal read token limits its user's role
// to Read, and a one-project token to its project (public ones stay readable).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response.h"
#include "store/store.h"

namespace api {

enum class Role { None, Read, Write, Admin };

std::string_view to_string(Role role);              // "none", "read", "write", "admin"
std::optional<Role> parse_role(std::string_view text);

// What a route's {id} names, and so which project its Access applies to.
enum class Target { Server, Project, Workflow, Pipeline, Execution };

struct Access {
  Role role = Role::Admin;
  Target target = Target::Server;
};

// The Access values routes declare.
namespace access {
inline constexpr Access anyone{Role::None, Target::Server};  // anonymous callers too
inline constexpr Access signed_in{Role::Read, Target::Server};
inline constexpr Access server_admin{Role::Admin, Target::Server};
constexpr Access project(Role role) { return {role, Target::Project}; }
constexpr Access workflow(Role role) { return {role, Target::Workflow}; }
constexpr Access pipeline(Role role) { return {role, Target::Pipeline}; }
constexpr Access execution(Role role) { return {role, Target::Execution}; }
}  // namespace access

struct Caller {
  enum class Kind { Anonymous, AdminToken, User };
  Kind kind = Kind::Anonymous;
  std::string user_id;  // User
  std::string login;    // User: the GitHub login
  bool server_admin = false;
  std::string token_id;             // the API token the request carried; empty for a session or none
  std::string token_name;
  Role token_limit = Role::Admin;   // Read for a personal read token; Admin (no limit) otherwise, write tokens too
  std::string token_project_id;     // a one-project token's project
  bool by_session = false;          // a session cookie: state-changing requests need the CSRF token
  std::string csrf_token;           // by_session: the session's

  bool signed_in() const { return kind != Kind::Anonymous; }
  // For audit entries and workflow actors: the login, "admin token NAME", or "anonymous".
  std::string name() const;
};

// The caller Routes::add resolved for this request (anonymous outside the API).
const Caller& caller_of(const http::Request& request);

}  // namespace api
