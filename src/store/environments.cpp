// Environments of SqlStore: their rules, and their secrets, sealed as
// project secrets are (docs/secrets.md, "Environment secrets").
#include <algorithm>

#include "config/glob.h"
#include "store/sql_store.h"
#include "store/workflow_rows.h"

namespace store {

namespace {

constexpr std::size_t kMaxRules = 100;  // approvers, and branch globs
constexpr std::chrono::milliseconds kLongestWaitTimer{std::chrono::hours{30 * 24}};
constexpr std::string_view kWriters = "writers";

const Query kLockProject{"SELECT id FROM projects WHERE id = ? FOR UPDATE", nullptr,
                         "SELECT id FROM projects WHERE id = ?"};
const Query kUpdateEnvironment{
    "UPDATE environments SET approvers = ?, branches = ?, wait_timer_ms = ?, updated_at = ?"
    " WHERE project_id = ? AND name = ?"};
const Query kInsertEnvironment{
    "INSERT INTO environments (project_id, name, approvers, branches, wait_timer_ms, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"};
#define FACTORY_ENVIRONMENT_COLUMNS "name, approvers, branches, wait_timer_ms, created_at, updated_at"
const Query kEnvironment{"SELECT " FACTORY_ENVIRONMENT_COLUMNS " FROM environments WHERE project_id = ? AND name = ?"};
const Query kEnvironments{"SELECT " FACTORY_ENVIRONMENT_COLUMNS " FROM environments WHERE project_id = ?"};
#undef FACTORY_ENVIRONMENT_COLUMNS
const Query kDeleteEnvironment{"DELETE FROM environments WHERE project_id = ? AND name = ?"};

const Query kLockEnvironment{"SELECT name FROM environments WHERE project_id = ? AND name = ? FOR UPDATE", nullptr,
                             "SELECT name FROM environments WHERE project_id = ? AND name = ?"};
const Query kUpdateSecret{
    "UPDATE environment_secrets SET sealed_value = ?, updated_at = ? WHERE project_id = ? AND environment = ?"
    " AND name = ?"};
const Query kInsertSecret{
    "INSERT INTO environment_secrets (project_id, environment, name, sealed_value, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"};
const Query kDeleteSecret{"DELETE FROM environment_secrets WHERE project_id = ? AND environment = ? AND name = ?"};
// An environment without secrets gives one row with a NULL name; an unknown one none.
const Query kSecretsOfEnvironment{
    "SELECT s.name, s.sealed_value, s.created_at, s.updated_at FROM environments e"
    " LEFT JOIN environment_secrets s ON s.project_id = e.project_id AND s.environment = e.name"
    " WHERE e.project_id = ? AND e.name = ?"};

Status check_environment_name(std::string_view name) {
  if (core::is_environment_name(name)) return {};
  return invalid("environment name '" + std::string(name.substr(0, 100)) + "' is not 1 to " +
                 std::to_string(core::kMaxEnvironmentName) + " letters, digits, '.', '_' and '-'");
}

// The rules as they are kept: approvers lowercased, without repeats.
Result<Environment> checked_rules(Environment environment) {
  if (auto checked = check_environment_name(environment.name); !checked) return checked.error();
  if (environment.approvers.size() > kMaxRules || environment.branches.size() > kMaxRules)
    return invalid("an environment has at most " + std::to_string(kMaxRules) + " approvers and " +
                   std::to_string(kMaxRules) + " branch patterns");
  for (std::string& approver : environment.approvers) {
    if (approver == kWriters) continue;
    auto login = member_login(approver);
    if (!login)
      return invalid("approver '" + approver.substr(0, 100) + "': " + login.error().message + ", or \"writers\"");
    approver = std::move(*login);
  }
  std::sort(environment.approvers.begin(), environment.approvers.end());
  environment.approvers.erase(std::unique(environment.approvers.begin(), environment.approvers.end()),
                              environment.approvers.end());
  for (const std::string& branch : environment.branches)
    if (auto checked = check_name("branch pattern", branch); !checked) return checked.error();
  std::string error;
  if (!config::GlobList::compile(environment.branches, error)) return invalid("branches: " + error);
  if (environment.wait_timer.count() < 0 || environment.wait_timer > kLongestWaitTimer)
    return invalid("wait_timer must be between 0 and 30 days");
  return environment;
}

Environment read_environment(const Row& row) {
  return {std::string(row.text(0)), decode_strings(row.text(1)), decode_strings(row.text(2)),
          std::chrono::milliseconds{row.integer(3)}, from_millis(row.integer(4)), from_millis(row.integer(5))};
}

Error no_environment(const std::string& project, std::string_view name) {
  return not_found("project " + project + " has no environment '" + std::string(name) + "'");
}

// The name a sealed value is bound to: an environment's secret never opens
// as a project secret of the same name, nor as another environment's.
std::string sealed_name(std::string_view environment, std::string_view name) {
  return "environment " + std::string(environment) + "/" + std::string(name);
}

}  // namespace

Result<bool> SqlStore::set_environment(std::string_view project_id, const Environment& environment) {
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  auto rules = checked_rules(environment);
  if (!rules) return rules.error();
  const std::string approvers = encode_strings(rules->approvers);
  const std::string branches = encode_strings(rules->branches);
  const std::int64_t timer = rules->wait_timer.count();
  return in_transaction([&](Connection& connection) -> Result<bool> {
    bool found = false;
    auto locked = connection.execute(kLockProject, {*key}, [&](const Row&) { found = true; });
    if (!locked) return locked.error();
    if (!found) return not_found("no project " + *key);
    const std::int64_t at = to_millis(now());
    auto updated = connection.execute(kUpdateEnvironment, {approvers, branches, timer, at, *key, rules->name});
    if (!updated) return updated.error();
    if (*updated > 0) return false;
    auto inserted = connection.execute(kInsertEnvironment, {*key, rules->name, approvers, branches, timer, at, at});
    if (!inserted) return inserted.error();
    return true;
  });
}

Result<Environment> SqlStore::get_environment(std::string_view project_id, std::string_view name) {
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  return with_connection([&](Connection& connection) -> Result<Environment> {
    std::optional<Environment> environment;
    auto done =
        connection.execute(kEnvironment, {*key, name}, [&](const Row& row) { environment = read_environment(row); });
    if (!done) return done.error();
    if (!environment) return no_environment(*key, name);
    return std::move(*environment);
  });
}

Result<std::vector<Environment>> SqlStore::list_environments(std::string_view project_id) {
  return with_connection([&](Connection& connection) -> Result<std::vector<Environment>> {
    auto key = project_key(connection, project_id);
    if (!key) return key.error();
    std::vector<Environment> environments;
    auto done = connection.execute(kEnvironments, {*key},
                                   [&](const Row& row) { environments.push_back(read_environment(row)); });
    if (!done) return done.error();
    // Sorted here: PostgreSQL would order names by the database's locale.
    std::sort(environments.begin(), environments.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return environments;
  });
}

Status SqlStore::delete_environment(std::string_view project_id, std::string_view name) {
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  auto deleted =
      with_connection([&](Connection& connection) { return connection.execute(kDeleteEnvironment, {*key, name}); });
  if (!deleted) return deleted.error();
  if (*deleted == 0) return no_environment(*key, name);
  return {};
}

Result<bool> SqlStore::set_environment_secret(std::string_view project_id, std::string_view environment,
                                              std::string_view name, std::string_view value) {
  auto sealed = seal_secret(project_id, name, sealed_name(environment, name), value);
  if (!sealed) return sealed.error();
  const std::string& key = sealed->project_key;
  // The environment row is locked first, so writers of its secrets take
  // turns and the update-else-insert never races another insert.
  return in_transaction([&](Connection& connection) -> Result<bool> {
    bool found = false;
    auto locked = connection.execute(kLockEnvironment, {key, environment}, [&](const Row&) { found = true; });
    if (!locked) return locked.error();
    if (!found) return no_environment(key, environment);
    const std::int64_t at = to_millis(now());
    auto updated = connection.execute(kUpdateSecret, {sealed->value, at, key, environment, name});
    if (!updated) return updated.error();
    if (*updated > 0) return false;
    auto inserted = connection.execute(kInsertSecret, {key, environment, name, sealed->value, at, at});
    if (!inserted) return inserted.error();
    return true;
  });
}

Status SqlStore::delete_environment_secret(std::string_view project_id, std::string_view environment,
                                           std::string_view name) {
  if (auto box = secret_box(); !box) return box.error();
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  auto deleted = with_connection(
      [&](Connection& connection) { return connection.execute(kDeleteSecret, {*key, environment, name}); });
  if (!deleted) return deleted.error();
  if (*deleted == 0)
    return not_found("environment '" + std::string(environment) + "' of project " + *key + " has no secret '" +
                     std::string(name) + "'");
  return {};
}

Result<std::vector<SealedSecret>> SqlStore::sealed_environment_secrets(std::string_view project_id,
                                                                       std::string_view environment) {
  if (auto box = secret_box(); !box) return box.error();
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  return with_connection([&](Connection& connection) -> Result<std::vector<SealedSecret>> {
    bool found = false;
    std::vector<SealedSecret> secrets;
    auto done = connection.execute(kSecretsOfEnvironment, {*key, environment}, [&](const Row& row) {
      found = true;
      if (row.is_null(0)) return;
      secrets.push_back({{std::string(row.text(0)), {}, from_millis(row.integer(2)), from_millis(row.integer(3))},
                         std::string(row.text(1))});
    });
    if (!done) return done.error();
    if (!found) return no_environment(*key, environment);
    std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.info.name < b.info.name; });
    return secrets;
  });
}

Result<std::vector<SecretInfo>> SqlStore::list_environment_secrets(std::string_view project_id,
                                                                   std::string_view environment) {
  auto secrets = sealed_environment_secrets(project_id, environment);
  if (!secrets) return secrets.error();
  std::vector<SecretInfo> infos;
  for (auto& secret : *secrets) infos.push_back(std::move(secret.info));
  return infos;
}

Result<std::vector<ProjectSecret>> SqlStore::environment_secrets(std::string_view project_id,
                                                                 std::string_view environment) {
  auto secrets = sealed_environment_secrets(project_id, environment);
  if (!secrets) return secrets.error();
  const std::string key = *canonical_id(project_id);  // sealed_environment_secrets checked it
  std::vector<ProjectSecret> values;
  for (auto& secret : *secrets) {
    auto value = secrets_->open(key, sealed_name(environment, secret.info.name), secret.sealed_value);
    if (!value)
      return internal("secret '" + secret.info.name + "' of environment '" + std::string(environment) +
                      "' does not decrypt: the secrets key is not the one it was stored with, or its row is damaged");
    values.push_back({std::move(secret.info.name), std::move(*value), {}});
  }
  return values;
}

}  // namespace store
