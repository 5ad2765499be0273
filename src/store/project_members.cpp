// Grants of SqlStore: roles on a project given to GitHub logins.
#include <algorithm>
#include <array>
#include <cctype>

#include "store/sql_store.h"

namespace store {

namespace {

constexpr std::array<std::string_view, 3> kRoles{"read", "write", "admin"};
constexpr std::size_t kMaxLoginLength = 39;  // GitHub's

// MariaDB spells the upsert its own way; SQLite speaks PostgreSQL's.
const Query kUpsertMember{
    "INSERT INTO project_members (project_id, login, role, created_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (project_id, login) DO UPDATE SET role = EXCLUDED.role",
    "INSERT INTO project_members (project_id, login, role, created_at) VALUES (?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE role = VALUES(role)"};
const Query kMemberRole{"SELECT role FROM project_members WHERE project_id = ? AND login = ?"};
const Query kMembers{"SELECT login, role FROM project_members WHERE project_id = ? ORDER BY login"};
const Query kDeleteMember{"DELETE FROM project_members WHERE project_id = ? AND login = ?"};
const Query kCountProjects{"SELECT COUNT(*) FROM projects WHERE id = ?"};

Result<std::string> granted_role(Connection& connection, const std::string& project_id, const std::string& login) {
  std::string role;
  auto done = connection.execute(kMemberRole, {project_id, login}, [&](const Row& row) { role = row.text(0); });
  if (!done) return done.error();
  return role;
}

}  // namespace

// Letters, digits and single hyphens, neither first nor last: what GitHub
// allows, and so nothing that needs quoting anywhere. Lowercase, the form
// grants are kept in.
Result<std::string> member_login(std::string_view login) {
  const bool valid = !login.empty() && login.size() <= kMaxLoginLength && login.front() != '-' &&
                     login.back() != '-' && login.find("--") == std::string_view::npos &&
                     std::all_of(login.begin(), login.end(),
                                 [](unsigned char c) { return std::isalnum(c) || c == '-'; });
  if (!valid) return invalid("a GitHub login has 1 to 39 letters, digits and single hyphens, not at either end");
  std::string lower{login};
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

Result<std::string> project_key(Connection& connection, std::string_view project_id) {
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  std::int64_t found = 0;
  auto done = connection.execute(kCountProjects, {*key}, [&](const Row& row) { found = row.integer(0); });
  if (!done) return done.error();
  if (found == 0) return not_found("no project " + *key);
  return *key;
}

Result<bool> SqlStore::set_member(std::string_view project_id, std::string_view login, std::string_view role) {
  auto lower = member_login(login);
  if (!lower) return lower.error();
  if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
    return invalid("a role is read, write or admin, not '" + std::string(role) + "'");
  return in_contended_transaction([&](Connection& connection) -> Result<bool> {
    auto key = project_key(connection, project_id);
    if (!key) return key.error();
    auto before = granted_role(connection, *key, *lower);
    if (!before) return before.error();
    auto written = connection.execute(kUpsertMember, {*key, *lower, role, to_millis(now())});
    if (!written) return written.error();
    return before->empty();
  });
}

Status SqlStore::remove_member(std::string_view project_id, std::string_view login) {
  auto lower = member_login(login);
  if (!lower) return lower.error();
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  auto deleted =
      with_connection([&](Connection& connection) { return connection.execute(kDeleteMember, {*key, *lower}); });
  if (!deleted) return deleted.error();
  if (*deleted == 0) return not_found("no grant to " + *lower + " on project " + *key);
  return {};
}

Result<std::vector<ProjectMember>> SqlStore::list_members(std::string_view project_id) {
  return with_connection([&](Connection& connection) -> Result<std::vector<ProjectMember>> {
    auto key = project_key(connection, project_id);
    if (!key) return key.error();
    std::vector<ProjectMember> members;
    auto done = connection.execute(kMembers, {*key}, [&](const Row& row) {
      members.push_back({std::string(row.text(0)), std::string(row.text(1))});
    });
    if (!done) return done.error();
    return members;
  });
}

Result<std::string> SqlStore::member_role(std::string_view project_id, std::string_view login) {
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  auto lower = member_login(login);
  if (!lower) return std::string{};  // no grant can name it
  return with_connection([&](Connection& connection) { return granted_role(connection, *key, *lower); });
}

}  // namespace store
