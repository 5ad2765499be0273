// Project secret operations of SqlStore (docs/secrets.md).
#include <algorithm>

#include "config/secret_scope.h"
#include "core/secret_mask.h"
#include "store/sql_store.h"
#include "store/workflow_rows.h"

namespace store {

namespace {

// Shorter values could not be masked in logs (core/secret_mask.h).
constexpr std::size_t kMinValueLength = core::SecretMask::kMinimumLength;
constexpr std::size_t kMaxValueLength = 64 * 1024;

// Names FactoryCI sets for executions, or that their shell and dynamic
// loader depend on: a secret must not replace them.
constexpr std::string_view kReservedPrefixes[] = {"FACTORY_", "LD_"};
constexpr std::string_view kReservedNames[] = {"CI", "HOME", "PATH", "PWD", "SHELL"};

const Query kLockProject{"SELECT id FROM projects WHERE id = ? FOR UPDATE", nullptr,
                         "SELECT id FROM projects WHERE id = ?"};
const Query kUpdateSecret{
    "UPDATE project_secrets SET sealed_value = ?, events = ?, branches = ?, pipelines = ?, updated_at = ?"
    " WHERE project_id = ? AND name = ?"};
const Query kInsertSecret{
    "INSERT INTO project_secrets (project_id, name, sealed_value, events, branches, pipelines, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kDeleteSecret{"DELETE FROM project_secrets WHERE project_id = ? AND name = ?"};
// A project without secrets gives one row with a NULL name; an unknown one none.
const Query kSecretsOfProject{
    "SELECT s.name, s.sealed_value, s.created_at, s.updated_at, s.events, s.branches, s.pipelines"
    " FROM projects p LEFT JOIN project_secrets s ON s.project_id = p.id WHERE p.id = ?"};

bool is_environment_name(std::string_view name) {
  const auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  return is_letter(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return is_letter(c) || is_digit(c); });
}

bool is_reserved(std::string_view name) {
  return std::any_of(std::begin(kReservedPrefixes), std::end(kReservedPrefixes),
                     [&](std::string_view prefix) { return name.starts_with(prefix); }) ||
         std::find(std::begin(kReservedNames), std::end(kReservedNames), name) != std::end(kReservedNames);
}

}  // namespace

Status check_secret_name(std::string_view name) {
  if (auto checked = check_name("secret name", name); !checked) return checked;
  const std::string quoted = "secret name '" + std::string(name) + "'";
  if (!is_environment_name(name))
    return invalid(quoted + " is not an environment variable name (letters, digits and _, not starting with a digit)");
  if (is_reserved(name))
    return invalid(quoted + " is reserved for FactoryCI and the shell (FACTORY_*, LD_*, CI, HOME, PATH, PWD, SHELL)");
  return {};
}

Status check_secret_value(std::string_view value) {
  if (value.size() < kMinValueLength)
    return invalid("a secret value needs at least " + std::to_string(kMinValueLength) +
                   " bytes: shorter ones cannot be masked in logs");
  if (value.size() > kMaxValueLength)
    return invalid("a secret value must not exceed " + std::to_string(kMaxValueLength / 1024) + " KiB");
  if (value.find('\0') != std::string_view::npos)
    return invalid("a secret value must not contain NUL bytes: environment variables cannot hold them");
  return {};
}

namespace {

Result<std::vector<SealedSecret>> select_secrets(Connection& connection, const std::string& project_id) {
  bool project_found = false;
  std::vector<SealedSecret> secrets;
  auto done = connection.execute(kSecretsOfProject, {project_id}, [&](const Row& row) {
    project_found = true;
    if (row.is_null(0)) return;
    const core::SecretScope scope{decode_strings(row.text(4)), decode_strings(row.text(5)),
                                  decode_strings(row.text(6))};
    secrets.push_back({{std::string(row.text(0)), scope, from_millis(row.integer(2)), from_millis(row.integer(3))},
                       std::string(row.text(1))});
  });
  if (!done) return done.error();
  if (!project_found) return not_found("no project " + project_id);
  // Sorted here: PostgreSQL would order names by the database's locale.
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.info.name < b.info.name; });
  return secrets;
}

// Writes a sealed value; true when the secret is new. The project row is
// locked first, so writers of one project's secrets take turns and the
// update-else-insert never races another insert.
Result<bool> upsert_secret(Connection& connection, const std::string& project_id, std::string_view name,
                           const std::string& sealed, const core::SecretScope& scope) {
  bool found = false;
  auto locked = connection.execute(kLockProject, {project_id}, [&](const Row&) { found = true; });
  if (!locked) return locked.error();
  if (!found) return not_found("no project " + project_id);
  const std::int64_t at = to_millis(now());
  const std::string events = encode_strings(scope.events);
  const std::string branches = encode_strings(scope.branches);
  const std::string pipelines = encode_strings(scope.pipelines);
  auto updated = connection.execute(kUpdateSecret, {sealed, events, branches, pipelines, at, project_id, name});
  if (!updated) return updated.error();
  if (*updated > 0) return false;
  auto inserted = connection.execute(kInsertSecret, {project_id, name, sealed, events, branches, pipelines, at, at});
  if (!inserted) return inserted.error();
  return true;
}

}  // namespace

Result<const SecretBox*> SqlStore::secret_box() const {
  if (!secrets_) return unavailable("secrets are unavailable: the store was opened without a secrets key");
  return &*secrets_;
}

Result<SqlStore::Sealed> SqlStore::seal_secret(std::string_view project_id, std::string_view name,
                                               std::string_view sealed_as, std::string_view value) const {
  auto box = secret_box();
  if (!box) return box.error();
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  if (auto checked = check_secret_name(name); !checked) return checked.error();
  if (auto checked = check_secret_value(value); !checked) return checked.error();
  return Sealed{*key, (*box)->seal(*key, sealed_as, value)};
}

Result<bool> SqlStore::set_secret(std::string_view project_id, std::string_view name, std::string_view value,
                                  const core::SecretScope& scope) {
  auto sealed = seal_secret(project_id, name, name, value);
  if (!sealed) return sealed.error();
  if (auto error = config::secret_scope_error(scope)) return invalid(*error);
  return in_transaction([&](Connection& connection) {
    return upsert_secret(connection, sealed->project_key, name, sealed->value, scope);
  });
}

Status SqlStore::delete_secret(std::string_view project_id, std::string_view name) {
  if (auto box = secret_box(); !box) return box.error();
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  auto deleted =
      with_connection([&](Connection& connection) { return connection.execute(kDeleteSecret, {*key, name}); });
  if (!deleted) return deleted.error();
  if (*deleted == 0) return not_found("project " + *key + " has no secret '" + std::string(name) + "'");
  return {};
}

Result<std::vector<SealedSecret>> SqlStore::sealed_secrets(std::string_view project_id) {
  if (auto box = secret_box(); !box) return box.error();
  auto key = canonical_id(project_id);
  if (!key) return bad_id(project_id);
  return with_connection([&](Connection& connection) { return select_secrets(connection, *key); });
}

Result<std::vector<SecretInfo>> SqlStore::list_secrets(std::string_view project_id) {
  auto secrets = sealed_secrets(project_id);
  if (!secrets) return secrets.error();
  std::vector<SecretInfo> infos;
  for (auto& secret : *secrets) infos.push_back(std::move(secret.info));
  return infos;
}

Result<std::vector<ProjectSecret>> SqlStore::project_secrets(std::string_view project_id) {
  auto secrets = sealed_secrets(project_id);
  if (!secrets) return secrets.error();
  const std::string key = *canonical_id(project_id);  // sealed_secrets checked it
  std::vector<ProjectSecret> values;
  for (auto& secret : *secrets) {
    auto value = secrets_->open(key, secret.info.name, secret.sealed_value);
    if (!value)
      return internal("secret '" + secret.info.name + "' of project " + key +
                      " does not decrypt: the secrets key is not the one it was stored with, or its row is damaged");
    values.push_back({std::move(secret.info.name), std::move(*value), std::move(secret.info.scope)});
  }
  return values;
}

}  // namespace store
