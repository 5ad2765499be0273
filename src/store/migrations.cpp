#include "store/migrations.h"

#include <chrono>
#include <string>
#include <vector>

namespace store {

namespace {

// Statements are portable SQL with two words that differ per backend:
//   {uuid}   the type of an id: UUID on PostgreSQL (16 bytes), CHAR(36) elsewhere
//   {table}  table options: InnoDB, utf8mb4 and binary collation on MariaDB,
//            so names compare case-sensitively as they do on the other two
// Timestamps are BIGINT milliseconds since the Unix epoch on every backend.
struct Migration {
  int version;
  const char* name;
  std::vector<const char*> statements;
};

// Tables that come later (workflows → pipelines → stages → executions, logs,
// deliveries) reference projects(id) the same way projects reference owners.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       "owners, projects, api_tokens",
       {"CREATE TABLE owners ("
        " id {uuid} PRIMARY KEY,"
        " name VARCHAR(255) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " CONSTRAINT owners_name_key UNIQUE (name)"
        "){table}",
        "CREATE TABLE projects ("
        " id {uuid} PRIMARY KEY,"
        " owner_id {uuid} NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " url VARCHAR(700) NOT NULL,"  // 700 utf8mb4 characters fit MariaDB's index key limit
        " webhook_secret VARCHAR(255) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " CONSTRAINT projects_owner_fkey FOREIGN KEY (owner_id) REFERENCES owners (id),"
        " CONSTRAINT projects_owner_name_key UNIQUE (owner_id, name),"
        " CONSTRAINT projects_url_key UNIQUE (url)"
        "){table}",
        "CREATE TABLE api_tokens ("
        " id {uuid} PRIMARY KEY,"
        " name VARCHAR(255) NOT NULL,"
        " token_hash CHAR(64) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " last_used_at BIGINT,"
        " revoked_at BIGINT,"
        " CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)"
        "){table}"}},
  };
  return all;
}

void replace_all(std::string& text, std::string_view word, std::string_view with) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + with.size()))
    text.replace(at, word.size(), with);
}

std::string for_backend(const char* statement, Backend backend) {
  std::string sql = statement;
  replace_all(sql, "{uuid}", backend == Backend::Postgres ? "UUID" : "CHAR(36)");
  replace_all(sql, "{table}",
              backend == Backend::MariaDb ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
  return sql;
}

const Query kCreateMigrationsTable{
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)"};
const Query kAppliedVersion{"SELECT MAX(version) FROM schema_migrations"};
const Query kRecordMigration{"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"};

std::int64_t now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<int> applied_version(Connection& connection) {
  if (auto status = connection.run(kCreateMigrationsTable.sql); !status) return status.error();
  int version = 0;
  auto done = connection.execute(kAppliedVersion, {}, [&](const Row& row) {
    if (!row.is_null(0)) version = static_cast<int>(row.integer(0));
  });
  if (!done) return done.error();
  return version;
}

Status apply(Connection& connection, const Migration& migration) {
  for (const char* statement : migration.statements)
    if (auto status = connection.run(for_backend(statement, connection.backend())); !status)
      return Error{status.error().kind,
                   "migration " + std::to_string(migration.version) + ": " + status.error().message};
  auto recorded = connection.execute(kRecordMigration, {migration.version, migration.name, now_millis()});
  if (!recorded) return recorded.error();
  return {};
}

Status apply_pending(Connection& connection) {
  auto version = applied_version(connection);
  if (!version) return version.error();
  if (*version > latest_schema_version())
    return invalid("database schema version " + std::to_string(*version) + " is newer than this build's " +
                   std::to_string(latest_schema_version()) + ": upgrade factory");
  for (const Migration& migration : migrations())
    if (migration.version > *version)
      if (auto status = apply(connection, migration); !status) return status;
  return {};
}

}  // namespace

int latest_schema_version() { return migrations().back().version; }

Status migrate(Connection& connection) {
  if (auto status = connection.lock_schema(); !status) return status;
  Status applied = apply_pending(connection);
  Status unlocked = connection.unlock_schema(applied.ok());
  return applied.ok() ? unlocked : applied;
}

}  // namespace store
