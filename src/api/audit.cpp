// The audit log: who did what, when, from where (routes.h, docs/people.md).
// Entries are written by the handlers once their action is done, and read
// with GET /api/v1/audit?limit&after&project_id&actor&action, newest first.
#include <algorithm>
#include <cstdio>
#include <exception>

#include <nlohmann/json.hpp>

#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

// A server admin with no narrower token: the whole log.
bool reads_whole_log(const Caller& caller) {
  return caller.server_admin && caller.token_limit == Role::Admin && caller.token_project_id.empty();
}

// Anyone else lists one project they administer. As for every project
// route, a project they cannot read is unknown to them (404).
void check_project_admin(const Routes& routes, const Caller& caller, const std::string& project_id) {
  if (project_id.empty())
    fail(403, "forbidden",
         "only a server admin may list the whole audit log; a project admin may list a project's with ?project_id=");
  auto project = routes.store.get_project(project_id);
  if (!project && project.error().kind != store::ErrorKind::NotFound) fail(project.error());
  const Role role = project ? role_on(routes, caller, *project) : Role::None;
  if (role < Role::Read) fail(404, "not_found", "no project " + project_id);
  if (role < Role::Admin)
    fail(403, "forbidden", "the audit log of project " + project->owner_name + "/" + project->name +
                               " needs the admin role on it; you have " + std::string{to_string(role)});
}

http::Response list_entries(const Routes& routes, const http::Request& request) {
  const Caller& caller = caller_of(request);
  const store::AuditFilter filter{.project_id = std::string{request.query("project_id").value_or("")},
                                  .actor = std::string{request.query("actor").value_or("")},
                                  .action = std::string{request.query("action").value_or("")}};
  if (!reads_whole_log(caller)) check_project_admin(routes, caller, filter.project_id);
  const auto page = unwrap(routes.store.list_audit_entries(filter, page_request(request)));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& entry : page.items) items.push_back(audit_entry_view(entry));
  return http::Response::json(200, page_view(std::move(items), page.next));
}

}  // namespace

// The action has happened when this runs, and nothing can take it back: a
// failure to record it is reported loudly on stderr, never to the client.
void audit(const Routes& routes, const http::Request& request, std::string_view action, std::string_view project_id,
           std::string_view detail) {
  const Caller& caller = caller_of(request);
  try {
    auto recorded = routes.store.record_audit_entry({.actor = caller.name(),
                                                     .user_id = caller.user_id,
                                                     .action = std::string{action},
                                                     .project_id = std::string{project_id},
                                                     .detail = std::string{detail},
                                                     .address = request.remote_address});
    if (recorded) return;
    std::string lost = std::string{action} + " by " + caller.name() + " from " + request.remote_address + ": " +
                       std::string{detail};
    if (!project_id.empty()) lost += " (project " + std::string{project_id} + ")";
    // Names come from callers: one line each, so that none can forge the next.
    std::replace_if(lost.begin(), lost.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }, '?');
    std::fprintf(stderr, "factory server: AUDIT ENTRY LOST: %s: %s\n", lost.c_str(), recorded.error().message.c_str());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "factory server: AUDIT ENTRY LOST: %.*s: %s\n", static_cast<int>(action.size()),
                 action.data(), error.what());
  }
}

// Signed-in callers reach the handler, which checks who may read what: the
// project a caller asks about is in the query, not the route's {id}.
void add_audit_routes(const Routes& routes) {
  routes.add("GET", "/api/v1/audit", "audit", access::signed_in,
             [routes](http::Request& request) { return list_entries(routes, request); });
}

}  // namespace api
