#include "store/migrations.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace store {

namespace {

// Statements are portable SQL with three words that differ per backend:
//   {uuid}      the type of an id: UUID on PostgreSQL (16 bytes), CHAR(36) elsewhere
//   {table}     table options: InnoDB, utf8mb4 and binary collation on MariaDB,
//               so names compare case-sensitively as they do on the other two
//   {longtext}  text of any length: MEDIUMTEXT on MariaDB (TEXT stops at 64 KiB)
// A statement that starts with {postgres} runs on PostgreSQL only, one that
// starts with {mariadb} on MariaDB only.
// Timestamps are BIGINT milliseconds since the Unix epoch on every backend.
struct Migration {
  int version;
  const char* name;
  std::vector<const char*> statements;
};

// Version 2 is the workflow queue and the workflow tree. The indexes serve
// the queue's queries: claims take the oldest queued workflow (status, id),
// optionally of one project (project_id, status, id); lists page a project's
// workflows newest first (project_id, id). Lease expiry scans the running
// workflows through (status, id): there are only as many as busy agents, and
// one index fewer is several page writes fewer for every claim. Children cascade with parents, so
// deleting a project deletes its workflows, their trees and their logs.
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
      {2,
       "workflows, pipelines, stages, executions, execution_logs",
       {"CREATE TABLE workflows ("
        " id {uuid} PRIMARY KEY,"
        " project_id {uuid} NOT NULL,"
        " delivery_id VARCHAR(255) NOT NULL,"
        " event VARCHAR(32) NOT NULL,"
        " branch VARCHAR(255) NOT NULL,"
        " target_branch VARCHAR(255) NOT NULL,"
        " tag VARCHAR(255) NOT NULL,"
        " sha VARCHAR(64) NOT NULL,"
        " from_fork SMALLINT NOT NULL,"
        " changed_paths {longtext} NOT NULL,"  // a JSON array of strings
        " status VARCHAR(16) NOT NULL,"
        " status_reason TEXT NOT NULL,"
        " attempt INTEGER NOT NULL,"
        " lease_owner VARCHAR(255),"
        " lease_expires_at BIGINT,"
        " created_at BIGINT NOT NULL,"
        " started_at BIGINT,"
        " finished_at BIGINT,"
        " CONSTRAINT workflows_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,"
        " CONSTRAINT workflows_delivery_key UNIQUE (project_id, delivery_id)"
        "){table}",
        "CREATE INDEX workflows_queue_idx ON workflows (status, id)",
        "CREATE INDEX workflows_project_queue_idx ON workflows (project_id, status, id)",
        "CREATE INDEX workflows_project_idx ON workflows (project_id, id)",
        "CREATE TABLE pipelines ("
        " id {uuid} PRIMARY KEY,"
        " workflow_id {uuid} NOT NULL,"
        " position INTEGER NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " status VARCHAR(16) NOT NULL,"
        " status_reason TEXT NOT NULL,"
        " started_at BIGINT,"
        " finished_at BIGINT,"
        " CONSTRAINT pipelines_workflow_fkey FOREIGN KEY (workflow_id) REFERENCES workflows (id) ON DELETE CASCADE,"
        " CONSTRAINT pipelines_position_key UNIQUE (workflow_id, position)"
        "){table}",
        "CREATE TABLE stages ("
        " id {uuid} PRIMARY KEY,"
        " pipeline_id {uuid} NOT NULL,"
        " position INTEGER NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " status VARCHAR(16) NOT NULL,"
        " status_reason TEXT NOT NULL,"
        " started_at BIGINT,"
        " finished_at BIGINT,"
        " CONSTRAINT stages_pipeline_fkey FOREIGN KEY (pipeline_id) REFERENCES pipelines (id) ON DELETE CASCADE,"
        " CONSTRAINT stages_position_key UNIQUE (pipeline_id, position)"
        "){table}",
        "CREATE TABLE executions ("
        " id {uuid} PRIMARY KEY,"
        " stage_id {uuid} NOT NULL,"
        " position INTEGER NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " status VARCHAR(16) NOT NULL,"
        " status_reason TEXT NOT NULL,"
        " exit_code INTEGER,"
        " started_at BIGINT,"
        " finished_at BIGINT,"
        " CONSTRAINT executions_stage_fkey FOREIGN KEY (stage_id) REFERENCES stages (id) ON DELETE CASCADE,"
        " CONSTRAINT executions_position_key UNIQUE (stage_id, position)"
        "){table}",
        // One row a line; (execution_id, seq) is both the key and the order
        // a follower resumes from.
        "CREATE TABLE execution_logs ("
        " execution_id {uuid} NOT NULL,"
        " seq BIGINT NOT NULL,"
        " stream VARCHAR(8) NOT NULL,"
        " logged_at BIGINT NOT NULL,"
        " line {longtext} NOT NULL,"
        " CONSTRAINT execution_logs_pkey PRIMARY KEY (execution_id, seq),"
        " CONSTRAINT execution_logs_execution_fkey FOREIGN KEY (execution_id)"
        " REFERENCES executions (id) ON DELETE CASCADE"
        "){table}"}},
      // Version 3 is project secrets: base64 of nonce, AES-256-GCM
      // ciphertext and tag (store/secret_box.h), never the value itself.
      // A 64 KiB value seals to about 87 KiB of text.
      {3,
       "project_secrets",
       {"CREATE TABLE project_secrets ("
        " project_id {uuid} NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " sealed_value {longtext} NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " CONSTRAINT project_secrets_pkey PRIMARY KEY (project_id, name),"
        " CONSTRAINT project_secrets_project_fkey FOREIGN KEY (project_id)"
        " REFERENCES projects (id) ON DELETE CASCADE"
        "){table}"}},
      // Version 4 gives tokens a scope: agents get tokens that reach only
      // the agent protocol, provisioned agents ones for a single workflow.
      {4,
       "api token scopes",
       {"ALTER TABLE api_tokens ADD scope VARCHAR(16) NOT NULL DEFAULT 'admin'",
        "ALTER TABLE api_tokens ADD workflow_id {uuid}",
        "CREATE INDEX api_tokens_workflow_idx ON api_tokens (workflow_id)"}},
      // Version 5 lets a project cancel the workflows a newer push or pull
      // request update supersedes; pull requests do by default, since their
      // older commits are rarely worth finishing.
      {5,
       "project superseding settings",
       {"ALTER TABLE projects ADD cancel_superseded_pushes SMALLINT NOT NULL DEFAULT 0",
        "ALTER TABLE projects ADD cancel_superseded_pull_requests SMALLINT NOT NULL DEFAULT 1"}},
      // Version 6 keeps PostgreSQL's claims on an index of queued workflows
      // only. With (status, id) alone, its planner may walk the primary key
      // from the oldest workflow instead, passing over every finished one
      // (all of them older than the queue): claims then slow down as history
      // grows. SQLite and MariaDB are told their index in the claim query.
      {6,
       "index of queued workflows",
       {"{postgres} CREATE INDEX workflows_queued_idx ON workflows (id) WHERE status = 'queued'"}},
      // Version 7 keeps cancel requests with their workflow, so that any
      // server can tell the agent, and a restart forgets none.
      {7, "cancel requests", {"ALTER TABLE workflows ADD cancel_requested_at BIGINT"}},
      // Version 8 is GitHub: the id of the hook FactoryCI made on a project's
      // repository (to delete it with the project and to find its missed
      // deliveries), and the outbox of commit statuses, written in the
      // transaction that changes a pipeline's status and emptied, oldest
      // first, as GitHub takes them (docs/github.md).
      {8,
       "github hooks and commit statuses",
       {"ALTER TABLE projects ADD github_hook_id BIGINT",
        "CREATE TABLE commit_statuses ("
        " id {uuid} PRIMARY KEY,"
        " workflow_id {uuid} NOT NULL,"
        " pipeline VARCHAR(255) NOT NULL,"
        " status VARCHAR(16) NOT NULL,"
        " reason TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " CONSTRAINT commit_statuses_workflow_fkey FOREIGN KEY (workflow_id) REFERENCES workflows (id)"
        " ON DELETE CASCADE"
        "){table}"}},
      // Version 9 keeps each planned pipeline's depends_on (a JSON array of
      // pipeline names), so that a workflow's pipelines can be drawn as the
      // graph they ran as.
      {9,
       "pipeline dependencies",
       {"ALTER TABLE pipelines ADD depends_on {longtext} NOT NULL DEFAULT '[]'"}},
      // Version 10 is people: the users who signed in with GitHub, known by
      // GitHub's numeric id (a login can be renamed; the row follows it).
      {10,
       "users",
       {"CREATE TABLE users ("
        " id {uuid} PRIMARY KEY,"
        " github_id BIGINT NOT NULL,"
        " login VARCHAR(255) NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " avatar_url VARCHAR(700) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " last_sign_in_at BIGINT,"
        " CONSTRAINT users_github_id_key UNIQUE (github_id),"
        " CONSTRAINT users_login_key UNIQUE (login)"
        "){table}"}},
      // Version 11 is roles and personal tokens: a project readable by
      // everyone; grants of a role on a project to a GitHub login (in
      // lowercase), who may sign in later; and personal tokens, each of one
      // user, read or write, for every project or one, until they expire.
      // A one-project token of a deleted project reaches nothing: ids are
      // never reused.
      {11,
       "roles and personal tokens",
       {"ALTER TABLE projects ADD is_public SMALLINT NOT NULL DEFAULT 0",
        "CREATE TABLE project_members ("
        " project_id {uuid} NOT NULL,"
        " login VARCHAR(255) NOT NULL,"
        " role VARCHAR(8) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " CONSTRAINT project_members_pkey PRIMARY KEY (project_id, login),"
        " CONSTRAINT project_members_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE"
        "){table}",
        "ALTER TABLE api_tokens ADD user_id {uuid}",
        "ALTER TABLE api_tokens ADD access VARCHAR(8)",
        "ALTER TABLE api_tokens ADD project_id {uuid}",
        "ALTER TABLE api_tokens ADD expires_at BIGINT",
        "CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)"}},
      // Version 12 is signing in: the sessions of users signed in with
      // GitHub, known only by their secret's SHA-256, and the single-use
      // states of sign-ins under way, also only as hashes.
      {12,
       "sessions",
       {"CREATE TABLE sessions ("
        " id {uuid} PRIMARY KEY,"
        " secret_hash CHAR(64) NOT NULL,"
        " user_id {uuid} NOT NULL,"
        " csrf_token CHAR(64) NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " last_seen_at BIGINT NOT NULL,"
        " CONSTRAINT sessions_secret_hash_key UNIQUE (secret_hash),"
        " CONSTRAINT sessions_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"
        "){table}",
        "CREATE TABLE sign_in_states ("
        " state_hash CHAR(64) PRIMARY KEY,"
        " return_to VARCHAR(2048) NOT NULL,"
        " expires_at BIGINT NOT NULL"
        "){table}"}},
      // Version 13 scopes project secrets (core/secret_scope.h): JSON arrays
      // of the events, branch globs and pipelines that may receive each.
      // Secrets kept from before get the default scope, which leaves out
      // pull requests.
      {13,
       "project secret scopes",
       {"ALTER TABLE project_secrets"
        " ADD events VARCHAR(255) NOT NULL DEFAULT '[\"push\",\"tag\",\"manual\",\"cron\"]'",
        "ALTER TABLE project_secrets ADD branches {longtext} NOT NULL DEFAULT '[]'",
        "ALTER TABLE project_secrets ADD pipelines {longtext} NOT NULL DEFAULT '[]'"}},
      // Version 14 is the audit log and who triggered, re-ran or cancelled
      // each workflow (docs/people.md). Entries keep the ids of projects and
      // users without foreign keys: an entry outlives what it names (the
      // deletion of a project is itself an entry). Lists filter by project,
      // actor or action, newest first; pruning walks the primary key, whose
      // UUID v7 order is the order entries were made in.
      {14,
       "audit log and workflow actors",
       {"CREATE TABLE audit_log ("
        " id {uuid} PRIMARY KEY,"
        " at BIGINT NOT NULL,"
        " actor VARCHAR(300) NOT NULL,"
        " user_id {uuid},"
        " action VARCHAR(64) NOT NULL,"
        " project_id {uuid},"
        " detail TEXT NOT NULL,"
        " address VARCHAR(64) NOT NULL"
        "){table}",
        "CREATE INDEX audit_log_project_idx ON audit_log (project_id, id)",
        "CREATE INDEX audit_log_actor_idx ON audit_log (actor, id)",
        "CREATE INDEX audit_log_action_idx ON audit_log (action, id)",
        "ALTER TABLE workflows ADD triggered_by VARCHAR(300)",
        "ALTER TABLE workflows ADD rerun_of {uuid}",
        "ALTER TABLE workflows ADD cancelled_by VARCHAR(300)"}},
      // Version 15 holds pull requests from forks until a person approves
      // them (docs/people.md): which ones each project holds, and for each
      // workflow whether it was held, who approved it and when. Workflows
      // and their commit statuses take the status waiting_for_approval,
      // longer than 16 characters (SQLite does not hold VARCHAR to its length).
      {15,
       "fork pull request approval",
       {"{postgres} ALTER TABLE workflows ALTER COLUMN status TYPE VARCHAR(32)",
        "{postgres} ALTER TABLE commit_statuses ALTER COLUMN status TYPE VARCHAR(32)",
        "{mariadb} ALTER TABLE workflows MODIFY status VARCHAR(32) NOT NULL",
        "{mariadb} ALTER TABLE commit_statuses MODIFY status VARCHAR(32) NOT NULL",
        "ALTER TABLE projects ADD fork_pr_approval VARCHAR(16) NOT NULL DEFAULT 'all'",
        "ALTER TABLE workflows ADD approval_required SMALLINT NOT NULL DEFAULT 0",
        "ALTER TABLE workflows ADD approved_by VARCHAR(300)",  // a login, or "admin token " and its name
        "ALTER TABLE workflows ADD approved_at BIGINT"}},
      // Version 16 is schedules (docs/configuration.md#schedules): those of
      // the API and those declared in .factory/ on their branch (`source`),
      // and the slots that ran. A slot runs once across servers: its row is
      // inserted in the transaction that queues its workflow, and the key
      // (schedule_id, slot_at) lets only the first in. Workflows keep the
      // name of the schedule of a cron event.
      {16,
       "schedules",
       {"CREATE TABLE schedules ("
        " id {uuid} PRIMARY KEY,"
        " project_id {uuid} NOT NULL,"
        " source VARCHAR(8) NOT NULL,"
        " name VARCHAR(64) NOT NULL,"
        " cron VARCHAR(255) NOT NULL,"
        " branch VARCHAR(255) NOT NULL,"
        " timezone VARCHAR(64) NOT NULL,"
        " active_since BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " CONSTRAINT schedules_name_key UNIQUE (project_id, source, branch, name),"
        " CONSTRAINT schedules_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE"
        "){table}",
        "CREATE TABLE schedule_runs ("
        " schedule_id {uuid} NOT NULL,"
        " slot_at BIGINT NOT NULL,"
        " workflow_id {uuid} NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " CONSTRAINT schedule_runs_pkey PRIMARY KEY (schedule_id, slot_at),"
        " CONSTRAINT schedule_runs_schedule_fkey FOREIGN KEY (schedule_id) REFERENCES schedules (id)"
        " ON DELETE CASCADE"
        "){table}",
        "ALTER TABLE workflows ADD schedule VARCHAR(64)"}},
      // Version 17 re-runs part of a workflow (docs/api.md, "Re-running part
      // of a workflow"): what a rerun selected, the earlier executions whose
      // results it keeps (read once, as its plan is recorded), and for each
      // execution of a rerun the earlier one it kept or ran again. Those
      // point into another workflow's tree without foreign keys, as
      // workflows.rerun_of does.
      {17,
       "re-running failed executions",
       {"ALTER TABLE workflows ADD rerun_selection VARCHAR(16)",
        "ALTER TABLE workflows ADD rerun_execution {uuid}",
        "CREATE TABLE kept_executions ("
        " workflow_id {uuid} NOT NULL,"
        " execution_id {uuid} NOT NULL,"
        " CONSTRAINT kept_executions_pkey PRIMARY KEY (workflow_id, execution_id),"
        " CONSTRAINT kept_executions_workflow_fkey FOREIGN KEY (workflow_id) REFERENCES workflows (id)"
        " ON DELETE CASCADE"
        "){table}",
        "ALTER TABLE executions ADD kept_from {uuid}",
        "ALTER TABLE executions ADD rerun_of {uuid}"}},
      // Version 18 keeps a manual run's inputs with its workflow: a JSON
      // object of names and values as text (docs/configuration.md#input-name).
      {18, "manual run inputs", {"ALTER TABLE workflows ADD inputs {longtext}"}},
      // Version 19 is the pipeline gate (docs/agents.md, "The pipeline
      // gate"): each planned pipeline's concurrency group and environment
      // and what happened at its gate; the holder of each project's
      // concurrency groups, one by the table's key, let go with its
      // pipeline; and environments with their rules and their secrets
      // (sealed as project secrets are). Pipelines may now wait for
      // approval, a status longer than 16 characters.
      {19,
       "pipeline gates: concurrency groups and environments",
       {"{postgres} ALTER TABLE pipelines ALTER COLUMN status TYPE VARCHAR(32)",
        "{mariadb} ALTER TABLE pipelines MODIFY status VARCHAR(32) NOT NULL",
        "ALTER TABLE pipelines ADD concurrency_group VARCHAR(255)",
        "ALTER TABLE pipelines ADD cancel_in_progress SMALLINT NOT NULL DEFAULT 0",
        "ALTER TABLE pipelines ADD environment VARCHAR(100)",
        "ALTER TABLE pipelines ADD gate_entered_at BIGINT",
        "ALTER TABLE pipelines ADD group_waiting_since BIGINT",
        "ALTER TABLE pipelines ADD approved_by VARCHAR(300)",
        "ALTER TABLE pipelines ADD approved_at BIGINT",
        "ALTER TABLE pipelines ADD rejected_by VARCHAR(300)",
        "CREATE INDEX pipelines_group_idx ON pipelines (concurrency_group)",
        "CREATE TABLE concurrency_holders ("
        " project_id {uuid} NOT NULL,"
        " group_name VARCHAR(255) NOT NULL,"
        " pipeline_id {uuid} NOT NULL,"
        " workflow_id {uuid} NOT NULL,"
        " since BIGINT NOT NULL,"
        " CONSTRAINT concurrency_holders_pkey PRIMARY KEY (project_id, group_name),"
        " CONSTRAINT concurrency_holders_pipeline_fkey FOREIGN KEY (pipeline_id) REFERENCES pipelines (id)"
        " ON DELETE CASCADE"
        "){table}",
        "CREATE TABLE environments ("
        " project_id {uuid} NOT NULL,"
        " name VARCHAR(100) NOT NULL,"
        " approvers {longtext} NOT NULL,"  // JSON arrays of strings
        " branches {longtext} NOT NULL,"
        " wait_timer_ms BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " CONSTRAINT environments_pkey PRIMARY KEY (project_id, name),"
        " CONSTRAINT environments_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE"
        "){table}",
        "CREATE TABLE environment_secrets ("
        " project_id {uuid} NOT NULL,"
        " environment VARCHAR(100) NOT NULL,"
        " name VARCHAR(255) NOT NULL,"
        " sealed_value {longtext} NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " CONSTRAINT environment_secrets_pkey PRIMARY KEY (project_id, environment, name),"
        " CONSTRAINT environment_secrets_environment_fkey FOREIGN KEY (project_id, environment)"
        " REFERENCES environments (project_id, name) ON DELETE CASCADE"
        "){table}"}},
      // Version 20 is caches and artifacts (docs/storage.md, "Caches and
      // artifacts"): rows that name blobs of the blob store by digest. A
      // cache entry is one per (project, scope, key), by the table's key, so
      // that two agents saving one key at once leave one. Eviction takes
      // the least recently used of a project (cache_entries_lru_idx); the
      // pruner asks whether anything still names a digest (the digest
      // indexes). blob_pins holds a digest that was just uploaded, or is
      // being pruned: its row is the lock that orders the two (blob_refs.cpp).
      // Keys fit MariaDB's 3072-byte index limit in utf8mb4.
      {20,
       "caches and artifacts",
       {"CREATE TABLE cache_entries ("
        " id {uuid} PRIMARY KEY,"
        " project_id {uuid} NOT NULL,"
        " scope VARCHAR(270) NOT NULL,"
        " cache_key VARCHAR(400) NOT NULL,"
        " name VARCHAR(100) NOT NULL,"
        " digest CHAR(64) NOT NULL,"
        " size BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " last_used_at BIGINT NOT NULL,"
        " CONSTRAINT cache_entries_key UNIQUE (project_id, scope, cache_key),"
        " CONSTRAINT cache_entries_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE"
        "){table}",
        "CREATE INDEX cache_entries_lru_idx ON cache_entries (project_id, last_used_at)",
        "CREATE INDEX cache_entries_digest_idx ON cache_entries (digest)",
        "CREATE TABLE artifacts ("
        " id {uuid} PRIMARY KEY,"
        " workflow_id {uuid} NOT NULL,"
        " execution_id {uuid} NOT NULL,"
        " path VARCHAR(700) NOT NULL,"
        " digest CHAR(64) NOT NULL,"
        " size BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " expires_at BIGINT NOT NULL,"
        " CONSTRAINT artifacts_path_key UNIQUE (execution_id, path),"
        " CONSTRAINT artifacts_execution_fkey FOREIGN KEY (execution_id) REFERENCES executions (id)"
        " ON DELETE CASCADE"
        "){table}",
        "CREATE INDEX artifacts_workflow_idx ON artifacts (workflow_id)",
        "CREATE INDEX artifacts_digest_idx ON artifacts (digest)",
        "CREATE INDEX artifacts_expiry_idx ON artifacts (expires_at)",
        "CREATE TABLE blob_pins ("
        " digest CHAR(64) PRIMARY KEY,"
        " pinned_at BIGINT NOT NULL"
        "){table}",
        "ALTER TABLE projects ADD cache_limit_bytes BIGINT NOT NULL DEFAULT 10737418240",
        "ALTER TABLE projects ADD artifact_retention_days INTEGER NOT NULL DEFAULT 30",
        "ALTER TABLE projects ADD default_branch VARCHAR(255) NOT NULL DEFAULT 'main'"}},
      // Version 21 is test results (core/test_results.h): an execution's
      // totals, and the tests it lists in their order, both going with it.
      // The API reads a workflow's through test_results_workflow_idx.
      {21,
       "test results",
       {"CREATE TABLE test_results ("
        " execution_id {uuid} PRIMARY KEY,"
        " workflow_id {uuid} NOT NULL,"
        " tests BIGINT NOT NULL,"
        " failures BIGINT NOT NULL,"
        " errors BIGINT NOT NULL,"
        " skipped BIGINT NOT NULL,"
        " flaky BIGINT NOT NULL,"
        " time_ms BIGINT NOT NULL,"
        " CONSTRAINT test_results_execution_fkey FOREIGN KEY (execution_id) REFERENCES executions (id)"
        " ON DELETE CASCADE"
        "){table}",
        "CREATE INDEX test_results_workflow_idx ON test_results (workflow_id)",
        "CREATE TABLE test_problems ("
        " execution_id {uuid} NOT NULL,"
        " ordinal INTEGER NOT NULL,"
        " outcome VARCHAR(10) NOT NULL,"
        " suite VARCHAR(500) NOT NULL,"
        " name VARCHAR(500) NOT NULL,"
        " message {longtext} NOT NULL,"
        " failure_type VARCHAR(200) NOT NULL,"
        " file_path VARCHAR(1024) NOT NULL,"
        " line_number INTEGER NOT NULL,"
        " output {longtext} NOT NULL,"
        " CONSTRAINT test_problems_pkey PRIMARY KEY (execution_id, ordinal),"
        " CONSTRAINT test_problems_results_fkey FOREIGN KEY (execution_id) REFERENCES test_results (execution_id)"
        " ON DELETE CASCADE"
        "){table}"}},
  };
  return all;
}

void replace_all(std::string& text, std::string_view word, std::string_view with) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + with.size()))
    text.replace(at, word.size(), with);
}

// Empty when the statement is not for this backend.
std::string for_backend(const char* statement, Backend backend) {
  std::string sql = statement;
  constexpr std::pair<std::string_view, Backend> kOnly[] = {{"{postgres} ", Backend::Postgres},
                                                            {"{mariadb} ", Backend::MariaDb}};
  for (auto [prefix, only] : kOnly) {
    if (!sql.starts_with(prefix)) continue;
    if (backend != only) return {};
    sql.erase(0, prefix.size());
  }
  replace_all(sql, "{uuid}", backend == Backend::Postgres ? "UUID" : "CHAR(36)");
  replace_all(sql, "{table}",
              backend == Backend::MariaDb ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
  replace_all(sql, "{longtext}", backend == Backend::MariaDb ? "MEDIUMTEXT" : "TEXT");
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
  for (const char* statement : migration.statements) {
    const std::string sql = for_backend(statement, connection.backend());
    if (sql.empty()) continue;
    if (auto status = connection.run(sql); !status)
      return Error{status.error().kind,
                   "migration " + std::to_string(migration.version) + ": " + status.error().message};
  }
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
