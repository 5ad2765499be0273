// Project operations of SqlStore.
#include "core/git_ref.h"
#include "core/uuid.h"
#include "store/sql_store.h"

namespace store {

namespace {

constexpr std::size_t kMaxUrlLength = 700;

#define FACTORY_SELECT_PROJECT                                                                     \
  "SELECT p.id, p.owner_id, o.name, p.name, p.url, p.webhook_secret, p.created_at, p.updated_at, " \
  "p.cancel_superseded_pushes, p.cancel_superseded_pull_requests, p.github_hook_id, p.is_public, "   \
  "p.fork_pr_approval, p.cache_limit_bytes, p.artifact_retention_days, p.default_branch "         \
  "FROM projects p JOIN owners o ON o.id = p.owner_id "

const Query kProjectById{FACTORY_SELECT_PROJECT "WHERE p.id = ?"};
const Query kProjectByUrl{FACTORY_SELECT_PROJECT "WHERE p.url = ?"};
const Query kProjectByName{FACTORY_SELECT_PROJECT "WHERE o.name = ? AND p.name = ?"};
const Query kProjectsAfter{FACTORY_SELECT_PROJECT "WHERE p.id > ? ORDER BY p.id LIMIT ?"};
const Query kOwnerProjectsAfter{FACTORY_SELECT_PROJECT "WHERE p.owner_id = ? AND p.id > ? ORDER BY p.id LIMIT ?"};
#undef FACTORY_SELECT_PROJECT

// Two servers may create the first project of one owner at once: the loser
// of the race finds the winner's owner row instead of failing.
const Query kInsertOwnerIfMissing{
    "INSERT INTO owners (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
    "INSERT INTO owners (id, name, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id"};
const Query kOwnerIdByName{"SELECT id FROM owners WHERE name = ?"};
const Query kInsertProject{
    "INSERT INTO projects (id, owner_id, name, url, webhook_secret, created_at, updated_at,"
    " cancel_superseded_pushes, cancel_superseded_pull_requests, fork_pr_approval)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"};
// NULL parameters keep a column's value.
const Query kUpdateProject{
    "UPDATE projects SET name = COALESCE(?, name), url = COALESCE(?, url),"
    " webhook_secret = COALESCE(?, webhook_secret),"
    " cancel_superseded_pushes = COALESCE(?, cancel_superseded_pushes),"
    " cancel_superseded_pull_requests = COALESCE(?, cancel_superseded_pull_requests),"
    " is_public = COALESCE(?, is_public), fork_pr_approval = COALESCE(?, fork_pr_approval),"
    " cache_limit_bytes = COALESCE(?, cache_limit_bytes),"
    " artifact_retention_days = COALESCE(?, artifact_retention_days),"
    " default_branch = COALESCE(?, default_branch), updated_at = ? WHERE id = ?"};
const Query kDeleteProject{"DELETE FROM projects WHERE id = ?"};
const Query kSetGitHubHook{"UPDATE projects SET github_hook_id = ?, updated_at = ? WHERE id = ?"};

Project read_project(const Row& row) {
  Project project{std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2)),
                  std::string(row.text(3)), std::string(row.text(4)), std::string(row.text(5)),
                  from_millis(row.integer(6)),   from_millis(row.integer(7)),   row.integer(8) != 0,
                  row.integer(9) != 0};
  if (!row.is_null(10)) project.github_hook_id = row.integer(10);
  project.is_public = row.integer(11) != 0;
  // Only this code writes the setting; an unknown one means a newer writer: hold every fork's PR.
  project.fork_pr_approval = parse_fork_approval(row.text(12)).value_or(ForkApproval::All);
  project.cache_limit_bytes = row.integer(13);
  project.artifact_retention_days = static_cast<int>(row.integer(14));
  project.default_branch = row.text(15);
  return project;
}

// Flags are stored as 0 or 1; an empty one is NULL, which keeps the column's value.
Param flag(bool value) { return value ? 1 : 0; }
Param flag(std::optional<bool> value) { return value ? flag(*value) : Param(std::nullopt); }

Param fork_approval(std::optional<ForkApproval> value) {
  return value ? Param(to_string(*value)) : Param(std::nullopt);
}

constexpr std::pair<ForkApproval, std::string_view> kForkApprovalNames[] = {
    {ForkApproval::All, "all"}, {ForkApproval::FirstTime, "first_time"}, {ForkApproval::Never, "never"}};

// `what` names the project in the not_found message.
Result<Project> select_project(Connection& connection, const Query& query, std::initializer_list<Param> key,
                               std::string_view what) {
  std::optional<Project> project;
  auto done = connection.execute(query, key, [&](const Row& row) { project = read_project(row); });
  if (!done) return done.error();
  if (!project) return not_found("no project " + std::string(what));
  return std::move(*project);
}

Status check_url(std::string_view url) {
  if (url.empty()) return invalid("project url must not be empty");
  if (url.size() > kMaxUrlLength) return invalid("project url is longer than " + std::to_string(kMaxUrlLength));
  return {};
}

Status check_new_project(const NewProject& project) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"owner name", &project.owner}, {"project name", &project.name}, {"webhook secret", &project.webhook_secret}};
  for (auto [what, value] : fields)
    if (auto checked = check_name(what, *value); !checked) return checked;
  return check_url(project.url);
}

Param optional_integer(std::optional<std::int64_t> value) { return value ? Param(*value) : Param(std::nullopt); }

Status check_cache_settings(const ProjectChanges& changes) {
  if (changes.cache_limit_bytes && (*changes.cache_limit_bytes < 0 || *changes.cache_limit_bytes > kLargestCacheLimit))
    return invalid("cache_limit_bytes must be 0.." + std::to_string(kLargestCacheLimit));
  if (changes.artifact_retention_days &&
      (*changes.artifact_retention_days < 1 || *changes.artifact_retention_days > kLongestArtifactRetentionDays))
    return invalid("artifact_retention_days must be 1.." + std::to_string(kLongestArtifactRetentionDays));
  if (changes.default_branch)
    if (auto problem = core::ref_name_problem(*changes.default_branch); !problem.empty())
      return invalid("default_branch: " + problem);
  return {};
}

Status check_changes(const ProjectChanges& changes) {
  if (auto checked = check_cache_settings(changes); !checked) return checked;
  if (changes.name)
    if (auto checked = check_name("project name", *changes.name); !checked) return checked;
  if (changes.webhook_secret)
    if (auto checked = check_name("webhook secret", *changes.webhook_secret); !checked) return checked;
  if (changes.url) return check_url(*changes.url);
  return {};
}

// Says which unique key a conflict hit. Backends name it differently:
// SQLite "… failed: projects.url", MariaDB "… for key 'projects_url_key'",
// PostgreSQL "… constraint \"projects_url_key\"".
Error describe_conflict(const Error& error, std::string_view name, std::string_view url) {
  if (error.kind != ErrorKind::Conflict) return error;
  std::string_view message = error.message;
  while (!message.empty() && (message.back() == '\'' || message.back() == '"')) message.remove_suffix(1);
  if (message.ends_with("projects.url") || message.ends_with("projects_url_key"))
    return conflict("a project with url '" + std::string(url) + "' already exists");
  return conflict("the owner already has a project named '" + std::string(name) + "'");
}

Result<std::string> owner_id_for(Connection& connection, std::string_view name) {
  auto inserted = connection.execute(kInsertOwnerIfMissing, {core::Uuid::new_v7().to_string(), name, to_millis(now())});
  if (!inserted) return inserted.error();
  std::string id;
  auto found = connection.execute(kOwnerIdByName, {name}, [&](const Row& row) { id = row.text(0); });
  if (!found) return found.error();
  if (id.empty()) return internal("owner '" + std::string(name) + "' vanished while adding its project");
  return id;
}

}  // namespace

std::string_view to_string(ForkApproval approval) {
  for (auto [value, name] : kForkApprovalNames)
    if (value == approval) return name;
  return "all";
}

std::optional<ForkApproval> parse_fork_approval(std::string_view text) {
  for (auto [value, name] : kForkApprovalNames)
    if (name == text) return value;
  return std::nullopt;
}

Result<Project> SqlStore::create_project(const NewProject& request) {
  if (auto checked = check_new_project(request); !checked) return checked.error();
  auto created = in_transaction([&](Connection& connection) -> Result<Project> {
    auto owner_id = owner_id_for(connection, request.owner);
    if (!owner_id) return owner_id.error();
    Timestamp at = now();
    Project project{core::Uuid::new_v7().to_string(),
                    std::move(*owner_id),
                    request.owner,
                    request.name,
                    request.url,
                    request.webhook_secret,
                    at,
                    at,
                    request.cancel_superseded_pushes,
                    request.cancel_superseded_pull_requests};
    project.fork_pr_approval = request.fork_pr_approval;
    auto inserted = connection.execute(
        kInsertProject, {project.id, project.owner_id, project.name, project.url, project.webhook_secret, to_millis(at),
                         to_millis(at), flag(project.cancel_superseded_pushes),
                         flag(project.cancel_superseded_pull_requests), to_string(project.fork_pr_approval)});
    if (!inserted) return inserted.error();
    return project;
  });
  if (!created) return describe_conflict(created.error(), request.name, request.url);
  return created;
}

Result<Project> SqlStore::get_project(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return with_connection([&](Connection& connection) { return select_project(connection, kProjectById, {*key}, *key); });
}

Result<Project> SqlStore::find_project_by_url(std::string_view url) {
  return with_connection(
      [&](Connection& connection) { return select_project(connection, kProjectByUrl, {url}, url); });
}

Result<Project> SqlStore::find_project_by_name(std::string_view owner, std::string_view name) {
  std::string full_name = std::string(owner) + "/" + std::string(name);
  return with_connection([&](Connection& connection) {
    return select_project(connection, kProjectByName, {owner, name}, full_name);
  });
}

Result<Page<Project>> SqlStore::list_projects(const PageRequest& request, std::string_view owner_id) {
  auto limit = check_limit(request);
  if (!limit) return limit.error();
  auto after = page_start(request);
  if (!after) return after.error();
  std::optional<std::string> owner;
  if (!owner_id.empty() && !(owner = canonical_id(owner_id))) return bad_id(owner_id);
  return with_connection([&](Connection& connection) -> Result<Page<Project>> {
    std::vector<Project> projects;
    auto add = [&](const Row& row) { projects.push_back(read_project(row)); };
    auto done = owner ? connection.execute(kOwnerProjectsAfter, {*owner, *after, *limit + 1}, add)
                      : connection.execute(kProjectsAfter, {*after, *limit + 1}, add);
    if (!done) return done.error();
    return finish_page(std::move(projects), *limit);
  });
}

Result<Project> SqlStore::update_project(std::string_view id, const ProjectChanges& changes) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  if (auto checked = check_changes(changes); !checked) return checked.error();
  auto updated = in_transaction([&](Connection& connection) -> Result<Project> {
    auto matched = connection.execute(
        kUpdateProject, {changes.name, changes.url, changes.webhook_secret, flag(changes.cancel_superseded_pushes),
                         flag(changes.cancel_superseded_pull_requests), flag(changes.is_public),
                         fork_approval(changes.fork_pr_approval), optional_integer(changes.cache_limit_bytes),
                         optional_integer(changes.artifact_retention_days), changes.default_branch, to_millis(now()),
                         *key});
    if (!matched) return matched.error();
    if (*matched == 0) return not_found("no project " + *key);
    return select_project(connection, kProjectById, {*key}, *key);
  });
  if (!updated) return describe_conflict(updated.error(), changes.name.value_or(""), changes.url.value_or(""));
  return updated;
}

Status SqlStore::delete_project(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  auto deleted = with_connection([&](Connection& connection) { return connection.execute(kDeleteProject, {*key}); });
  if (!deleted) return deleted.error();
  if (*deleted == 0) return not_found("no project " + *key);
  return {};
}

Status SqlStore::set_github_hook(std::string_view id, std::optional<std::int64_t> hook_id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  auto updated = with_connection([&](Connection& connection) {
    return connection.execute(kSetGitHubHook,
                              {hook_id ? Param(*hook_id) : Param(std::nullopt), to_millis(now()), *key});
  });
  if (!updated) return updated.error();
  if (*updated == 0) return not_found("no project " + *key);
  return {};
}

}  // namespace store
