// /api/v1/projects: list (all, or ?owner_id=), get, create, update, delete.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"

namespace api {

namespace {

constexpr std::string_view kCancelSupersededPushes = "cancel_superseded_pushes";
constexpr std::string_view kCancelSupersededPullRequests = "cancel_superseded_pull_requests";
constexpr std::string_view kForkPrApproval = "fork_pr_approval";
constexpr std::string_view kCacheLimitBytes = "cache_limit_bytes";
constexpr std::string_view kArtifactRetentionDays = "artifact_retention_days";
constexpr std::string_view kDefaultBranch = "default_branch";

// Days as the store takes them; the store checks the range, so a number
// beyond an int is sent as one out of it.
std::optional<int> optional_retention_days(const nlohmann::json& body) {
  const auto days = optional_integer(body, kArtifactRetentionDays);
  if (!days) return std::nullopt;
  return static_cast<int>(std::clamp<std::int64_t>(*days, -1, store::kLongestArtifactRetentionDays + 1));
}

// "fork_pr_approval": "all", "first_time" or "never"; absent or null gives nullopt.
std::optional<store::ForkApproval> optional_fork_approval(const nlohmann::json& body) {
  const auto text = optional_string(body, kForkPrApproval);
  if (!text) return std::nullopt;
  const auto approval = store::parse_fork_approval(*text);
  if (!approval)
    fail(400, "invalid",
         "fork_pr_approval must be \"all\" (every pull request from a fork waits for approval), \"first_time\" "
         "(only those of first-time contributors) or \"never\"");
  return approval;
}

// A project as its caller sees it: with their role, so that a client shows
// only what they may do.
nlohmann::json project_view_for(const store::Project& project, Role role) {
  nlohmann::json view = project_view(project);
  view["role"] = to_string(role);
  return view;
}

http::Response created(const store::Project& project, Role role) {
  return project_created(project_view_for(project, role), project, "/api/v1/projects/" + project.id);
}

// A project as lists show it: with its newest workflow (null before the
// first), so that a list of projects tells how each is doing.
nlohmann::json listed_project_view(const Routes& routes, const store::Project& project, Role role) {
  nlohmann::json view = project_view_for(project, role);
  auto newest = routes.store.list_workflows(project.id, {.limit = 1});
  const bool deleted_meanwhile = !newest && newest.error().kind == store::ErrorKind::NotFound;
  const auto& items = deleted_meanwhile ? std::vector<store::Workflow>{} : unwrap(std::move(newest)).items;
  view["last_workflow"] = nullptr;
  if (!items.empty()) {
    view["last_workflow"] = workflow_view(items.front());
    view["last_workflow"]["approval"] = approval_view(items.front(), project, approvers(routes, project));
  }
  return view;
}

}  // namespace

void add_project_routes(const Routes& routes) {
  // Lists only the projects the caller may read: a page may hold fewer than ?limit= items.
  routes.add("GET", "/api/v1/projects", "projects", access::anyone,
             [routes](http::Request& request) {
               const Caller& caller = caller_of(request);
               const auto owner_id = request.query("owner_id").value_or("");
               const auto page = unwrap(routes.store.list_projects(page_request(request), owner_id));
               nlohmann::json items = nlohmann::json::array();
               for (const auto& project : page.items) {
                 const Role role = role_on(routes, caller, project);
                 if (role >= Role::Read) items.push_back(listed_project_view(routes, project, role));
               }
               return http::Response::json(200, page_view(std::move(items), page.next));
             });
  routes.add("POST", "/api/v1/projects", "projects", access::server_admin,
             [routes](http::Request& request) {
    store::Store& store = routes.store;
    const ApiOptions& options = routes.options;
    const auto body = read_json_object(request, {"owner", "name", "url", "webhook_secret", kCancelSupersededPushes,
                                                 kCancelSupersededPullRequests, kForkPrApproval, "create_webhook"});
    const bool hook = wants_github_hook(options, optional_bool(body, "create_webhook").value_or(true));
    const store::NewProject defaults;
    store::Project project = create_project(
        store, {.owner = required_string(body, "owner"),
                .name = required_string(body, "name"),
                .url = required_string(body, "url"),
                .webhook_secret = optional_string(body, "webhook_secret").value_or(""),
                .cancel_superseded_pushes =
                    optional_bool(body, kCancelSupersededPushes).value_or(defaults.cancel_superseded_pushes),
                .cancel_superseded_pull_requests = optional_bool(body, kCancelSupersededPullRequests)
                                                       .value_or(defaults.cancel_superseded_pull_requests),
                .fork_pr_approval = optional_fork_approval(body).value_or(defaults.fork_pr_approval)});
    if (hook) project = add_github_hook(store, options, std::move(project));
    audit(routes, request, "project.create", project.id, project_name(project));
    return created(project, role_on(routes, caller_of(request), project));
  });
  routes.add("GET", "/api/v1/projects/{id}", "project_v1", access::project(Role::Read),
             [routes](http::Request& request) {
               const auto project = unwrap(routes.store.get_project(*request.param("id")));
               const Role role = role_on(routes, caller_of(request), project);
               return http::Response::json(200, project_view_for(project, role));
             });
  routes.add("PUT", "/api/v1/projects/{id}", "project_v1", access::project(Role::Admin),
             [routes](http::Request& request) {
    const auto body = read_json_object(request, {"name", "url", "webhook_secret", kCancelSupersededPushes,
                                                 kCancelSupersededPullRequests, "public", kForkPrApproval,
                                                 kCacheLimitBytes, kArtifactRetentionDays, kDefaultBranch});
    store::ProjectChanges changes{optional_string(body, "name"), optional_string(body, "url"),
                                  optional_string(body, "webhook_secret"),
                                  optional_bool(body, kCancelSupersededPushes),
                                  optional_bool(body, kCancelSupersededPullRequests),
                                  optional_bool(body, "public"), optional_fork_approval(body)};
    changes.cache_limit_bytes = optional_integer(body, kCacheLimitBytes);
    changes.artifact_retention_days = optional_retention_days(body);
    changes.default_branch = optional_string(body, kDefaultBranch);
    const auto project = update_project_and_hook(routes.store, routes.options, *request.param("id"), changes);
    audit(routes, request, "project.update", project.id, describe_changes(changes));
    return http::Response::json(200, project_view_for(project, role_on(routes, caller_of(request), project)));
  });
  routes.add("DELETE", "/api/v1/projects/{id}", "project_v1", access::project(Role::Admin),
             [routes](http::Request& request) {
    const store::Project project = unwrap(routes.store.get_project(*request.param("id")));
    unwrap(routes.store.delete_project(project.id));
    remove_github_hook(routes.options, project);
    audit(routes, request, "project.delete", project.id, project_name(project));
    return no_content();
  });
}

}  // namespace api
