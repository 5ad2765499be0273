// The Store over SQL: every operation is written once, against Connection,
// and runs unchanged on SQLite, MariaDB and PostgreSQL. Operations that
// change more than one row run in one transaction. Thread-safe (see store.h).
#pragma once

#include <optional>
#include <string>
#include <type_traits>

#include "store/connection_pool.h"
#include "store/secret_box.h"
#include "store/store.h"
#include "store/wal_checkpointer.h"

namespace store {

struct NodeTable;     // a table of the workflow tree (workflow_tree.cpp)
// A project's or an environment's secret as stored (secrets.cpp, environments.cpp).
struct SealedSecret {
  SecretInfo info;
  std::string sealed_value;
};

class SqlStore final : public Store {
 public:
  // `checkpointer`: SQLite's, null on the other backends.
  SqlStore(DatabaseUrl url, std::size_t pool_size, std::unique_ptr<Connection> first, const OpenOptions& options,
           std::unique_ptr<WalCheckpointer> checkpointer)
      : pool_(std::move(url), pool_size, std::move(first)),
        checkpointer_{std::move(checkpointer)},
        queue_statuses_{options.queue_commit_statuses} {
    if (options.secrets_key) secrets_.emplace(*options.secrets_key);
  }

  Result<Owner> create_owner(std::string_view name) override;
  Result<Owner> get_owner(std::string_view id) override;
  Result<Owner> find_owner(std::string_view name) override;
  Result<Page<Owner>> list_owners(const PageRequest& page) override;
  Result<Owner> rename_owner(std::string_view id, std::string_view name) override;
  Status delete_owner(std::string_view id) override;

  Result<Project> create_project(const NewProject& project) override;
  Result<Project> get_project(std::string_view id) override;
  Result<Project> find_project_by_url(std::string_view url) override;
  Result<Project> find_project_by_name(std::string_view owner, std::string_view name) override;
  Result<Page<Project>> list_projects(const PageRequest& page, std::string_view owner_id) override;
  Result<Project> update_project(std::string_view id, const ProjectChanges& changes) override;
  Status delete_project(std::string_view id) override;
  Status set_github_hook(std::string_view project_id, std::optional<std::int64_t> hook_id) override;

  Result<User> sign_in_user(const GitHubAccount& account) override;
  Result<User> get_user(std::string_view id) override;
  Result<User> find_user(std::string_view login) override;
  Result<Page<User>> list_users(const PageRequest& page) override;

  Result<CreatedSession> create_session(std::string_view user_id, Timestamp now, const SessionPolicy& policy) override;
  Result<Session> use_session(std::string_view secret, Timestamp now, const SessionPolicy& policy) override;
  Status end_session(std::string_view secret) override;
  Status save_sign_in_state(std::string_view state, std::string_view return_to, Timestamp now,
                                    std::chrono::milliseconds lifetime) override;
  Result<std::string> take_sign_in_state(std::string_view state, Timestamp now) override;

  Result<CreatedToken> create_token(std::string_view name, TokenScope scope, std::string_view workflow_id) override;
  Result<std::vector<ApiToken>> list_tokens() override;
  Status revoke_token(std::string_view id) override;
  Result<ApiToken> verify_token(std::string_view secret) override;
  Status delete_workflow_tokens(std::string_view workflow_id) override;
  Result<CreatedToken> create_personal_token(const NewPersonalToken& token) override;
  Result<std::vector<ApiToken>> list_personal_tokens(std::string_view user_id) override;
  Status revoke_personal_token(std::string_view id, std::string_view user_id) override;

  Result<bool> set_member(std::string_view project_id, std::string_view login, std::string_view role) override;
  Status remove_member(std::string_view project_id, std::string_view login) override;
  Result<std::vector<ProjectMember>> list_members(std::string_view project_id) override;
  Result<std::string> member_role(std::string_view project_id, std::string_view login) override;

  Result<bool> set_secret(std::string_view project_id, std::string_view name, std::string_view value,
                          const core::SecretScope& scope) override;
  Status delete_secret(std::string_view project_id, std::string_view name) override;
  Result<std::vector<SecretInfo>> list_secrets(std::string_view project_id) override;
  Result<std::vector<ProjectSecret>> project_secrets(std::string_view project_id) override;

  Result<bool> set_environment(std::string_view project_id, const Environment& environment) override;
  Result<Environment> get_environment(std::string_view project_id, std::string_view name) override;
  Result<std::vector<Environment>> list_environments(std::string_view project_id) override;
  Status delete_environment(std::string_view project_id, std::string_view name) override;
  Result<bool> set_environment_secret(std::string_view project_id, std::string_view environment,
                                      std::string_view name, std::string_view value) override;
  Status delete_environment_secret(std::string_view project_id, std::string_view environment,
                                   std::string_view name) override;
  Result<std::vector<SecretInfo>> list_environment_secrets(std::string_view project_id,
                                                           std::string_view environment) override;
  Result<std::vector<ProjectSecret>> environment_secrets(std::string_view project_id,
                                                         std::string_view environment) override;

  Result<PipelineGate> enter_gate(std::string_view workflow_id, std::string_view pipeline_id) override;
  Result<PipelineGate> get_pipeline_gate(std::string_view pipeline_id) override;
  Status wait_at_gate(std::string_view pipeline_id, core::Status status, std::string_view reason) override;
  Result<PipelineGate> decide_approval(std::string_view pipeline_id, std::string_view by, bool approve) override;
  Result<GroupClaim> take_concurrency_group(const PipelineGate& gate, Timestamp now) override;
  Result<std::string> project_of_pipeline(std::string_view pipeline_id) override;

  Result<EnqueuedWorkflow> enqueue_workflow(std::string_view project_id, std::string_view delivery_id,
                                            const core::Event& event, const WorkflowOrigin& origin) override;
  std::vector<Result<EnqueuedWorkflow>> enqueue_workflows(std::span<const WorkflowRequest> requests) override;
  Result<Workflow> approve_workflow(std::string_view id, std::string_view approved_by) override;
  Result<std::optional<Workflow>> claim_next_workflow(std::string_view agent, std::chrono::milliseconds lease,
                                                      std::string_view project_id) override;
  Result<Lease> renew_lease(std::string_view workflow_id, std::string_view agent,
                            std::chrono::milliseconds lease) override;
  Status request_cancel(std::string_view workflow_id, std::string_view by) override;
  Result<std::vector<std::string>> unconfirmed_cancels(Timestamp asked_before) override;
  Result<ExpiredLeases> expire_leases(Timestamp at, int max_attempts) override;
  Result<Workflow> finish_workflow(std::string_view id, core::Status status, std::string_view reason,
                                   std::string_view cancelled_by) override;
  Result<Workflow> get_workflow(std::string_view id) override;
  Result<Page<Workflow>> list_workflows(std::string_view project_id, const PageRequest& page) override;
  Result<std::vector<Workflow>> superseded_workflows(std::string_view project_id, std::string_view newer_id,
                                                     const core::Event& event) override;
  Result<WorkflowTree> get_workflow_tree(std::string_view id) override;
  Result<Execution> get_execution(std::string_view id) override;
  Result<std::string> project_of_workflow(std::string_view workflow_id) override;
  Result<std::string> project_of_execution(std::string_view execution_id) override;
  Result<bool> delivery_seen(std::string_view project_id, std::string_view delivery_id) override;

  Result<Schedule> create_schedule(std::string_view project_id, const ScheduleSpec& spec) override;
  Result<Schedule> get_schedule(std::string_view id) override;
  Result<std::vector<Schedule>> list_schedules(std::string_view project_id) override;
  Result<Schedule> update_schedule(std::string_view id, const ScheduleChanges& changes) override;
  Status delete_schedule(std::string_view id) override;
  Status replace_declared_schedules(std::string_view project_id, std::string_view branch,
                                    std::span<const ScheduleSpec> declared) override;
  Result<bool> slot_taken(std::string_view schedule_id, Timestamp slot) override;
  Result<std::optional<EnqueuedWorkflow>> enqueue_scheduled_workflow(const ScheduledRun& run) override;

  Result<std::vector<QueuedCommitStatus>> queued_commit_statuses(int limit) override;
  Status delete_commit_status(std::string_view id) override;

  Result<WorkflowTree> record_plan(std::string_view workflow_id, const core::Plan& plan) override;
  Status set_pipeline_status(std::string_view id, const StatusChange& change) override;
  Status set_stage_status(std::string_view id, const StatusChange& change) override;
  Status set_execution_status(std::string_view id, const StatusChange& change) override;

  Result<AuditEntry> record_audit_entry(const AuditEntry& entry) override;
  Result<Page<AuditEntry>> list_audit_entries(const AuditFilter& filter, const PageRequest& page) override;
  Result<std::int64_t> prune_audit_entries(Timestamp before, int batch) override;

  Result<std::optional<CacheHit>> find_cache_entry(const CacheQuery& query, Timestamp now) override;
  Result<CacheCommit> commit_cache_entry(const CacheEntry& entry, Timestamp now) override;
  Result<std::vector<CacheEntry>> list_cache_entries(std::string_view project_id) override;
  Status delete_cache_entry(std::string_view project_id, std::string_view entry_id) override;
  Result<std::int64_t> delete_cache_entries(std::string_view project_id) override;
  Result<Artifact> add_artifact(const Artifact& artifact, Timestamp now) override;
  Result<std::vector<Artifact>> list_artifacts(std::string_view workflow_id) override;
  Result<std::vector<Artifact>> list_execution_artifacts(std::string_view execution_id) override;
  Result<Artifact> get_artifact(std::string_view id) override;
  Result<std::vector<ExecutionTests>> list_test_results(std::string_view workflow_id) override;
  Result<std::int64_t> delete_expired_artifacts(Timestamp now, int batch) override;
  Result<bool> blob_readable(std::string_view digest, std::string_view project_id,
                             std::span<const std::string> scopes, std::string_view workflow_id) override;
  Result<std::int64_t> forget_blob(std::string_view digest) override;
  Status pin_blob(std::string_view digest, Timestamp now) override;
  Result<bool> prune_blob(std::string_view digest, Timestamp pinned_before,
                          const std::function<bool()>& remove) override;

  Status record_report(std::string_view workflow_id, const TreeReport& report) override;
  Status append_log(std::string_view execution_id, const std::vector<LogLine>& lines) override;
  Result<std::vector<LogLine>> read_log(std::string_view execution_id, std::int64_t after_seq, int limit) override;

 private:
  // Runs work on a pooled connection. If the server dropped the connection,
  // work runs once more on a fresh one: each work is one statement or one
  // whole transaction, which the server rolled back with the session.
  template <class Work>
  std::invoke_result_t<Work&, Connection&> with_connection(Work&& work) {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.acquire();
      if (!lease) return lease.error();
      auto result = work(**lease);
      if (result.ok() || attempt > 0 || !(*lease)->broken()) return result;
    }
  }

  // Commits that must be on the disk before they return, where the backend
  // would not otherwise wait for that (Connection::sync_commits).
  enum class Sync { Normal, Disk };

  template <class Work>
  std::invoke_result_t<Work&, Connection&> in_transaction(Work&& work, Sync sync = Sync::Normal) {
    return with_connection([&work, sync](Connection& connection) -> std::invoke_result_t<Work&, Connection&> {
      if (sync == Sync::Disk)
        if (auto synced = connection.sync_commits(true); !synced) return synced.error();
      auto result = transaction(connection, work);
      if (sync == Sync::Disk) (void)connection.sync_commits(false);  // failing, later commits only sync too
      return result;
    });
  }

  template <class Work>
  static std::invoke_result_t<Work&, Connection&> transaction(Connection& connection, Work& work) {
    if (auto begun = connection.begin(); !begun) return begun.error();
    auto result = work(connection);
    if (!result.ok()) {
      (void)connection.rollback();  // the original error is the one to report
      return result;
    }
    if (auto committed = connection.commit(); !committed) return committed.error();
    return result;
  }

  // A transaction run again when the database gave it up under contention
  // (MariaDB deadlocks and lock waits, PostgreSQL serialization failures,
  // all `unavailable`): concurrent claims and enqueues can lose such races,
  // and each transaction is safe to repeat from the start. Between attempts
  // it waits a random, growing while, so that the racers that deadlocked
  // each other do not meet again at once.
  template <class Work>
  std::invoke_result_t<Work&, Connection&> in_contended_transaction(Work&& work, Sync sync = Sync::Normal) {
    constexpr int kAttempts = 8;
    for (int attempt = 1;; ++attempt) {
      auto result = in_transaction(work, sync);
      if (result.ok() || result.error().kind != ErrorKind::Unavailable || attempt == kAttempts) return result;
      back_off(attempt);
    }
  }
  // Sleeps a random while below 2^attempt milliseconds.
  static void back_off(int attempt);

  struct WorkflowRow;
  static Result<WorkflowRow> workflow_row(const WorkflowRequest& request);
  Result<EnqueuedWorkflow> insert_workflow(Connection& connection, const WorkflowRow& row);
  Result<EnqueuedWorkflow> enqueue_row(const WorkflowRow& row);

  Status set_node_status(const NodeTable& table, std::string_view id, const StatusChange& change);
  // Moves node `key` of `table` from status `from` (as read in this
  // transaction) to the change's; conflict when it changed meanwhile.
  Status write_node_status(Connection& connection, const NodeTable& table, const std::string& key,
                           core::Status from, const StatusChange& change);
  // The project_id column of the one row `query` selects for `id`.
  Result<std::string> project_of(const Query& query, std::string_view noun, std::string_view id);
  // The artifacts `query` selects by one id.
  Result<std::vector<Artifact>> artifacts_of(const Query& query, std::string_view id);
  Result<const SecretBox*> secret_box() const;
  // A secret's name and value checked, and the value sealed under the
  // project's key, bound to `sealed_as` (secrets.cpp).
  struct Sealed {
    std::string project_key;
    std::string value;
  };
  Result<Sealed> seal_secret(std::string_view project_id, std::string_view name, std::string_view sealed_as,
                             std::string_view value) const;
  // A project's secrets, sorted by name; not_found for an unknown project.
  Result<std::vector<SealedSecret>> sealed_secrets(std::string_view project_id);
  // An environment's secrets, sorted by name; not_found for an unknown environment.
  Result<std::vector<SealedSecret>> sealed_environment_secrets(std::string_view project_id,
                                                               std::string_view environment);

  ConnectionPool pool_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::optional<SecretBox> secrets_;
  bool queue_statuses_;
};

// Shared by the operation files.
// The longest name of an actor (an audit entry's, a workflow's triggered_by
// and cancelled_by): "admin token " and a token's name of up to 255 bytes.
constexpr std::size_t kMaxActorLength = 300;
Timestamp now();
Timestamp from_millis(std::int64_t millis);
std::int64_t to_millis(Timestamp at);
// The id in lowercase canonical form, or nothing when it is not a UUID.
std::optional<std::string> canonical_id(std::string_view id);
Error bad_id(std::string_view id);
Status check_name(std::string_view what, std::string_view name);
// The canonical id of an existing project; not_found when there is none.
Result<std::string> project_key(Connection& connection, std::string_view project_id);
std::optional<Timestamp> optional_time(const Row& row, int column);
// A user from columns 0..6: id, github_id, login, name, avatar_url, created_at, last_sign_in_at.
User read_user(const Row& row);
// Execution logs (execution_logs.cpp): the checks every append passes (line
// count, numbers from 1); storing lines, skipping numbers stored before; the
// last number stored (0 for none).
Status check_log_lines(const std::vector<LogLine>& lines);
Status insert_log_lines(Connection& connection, const std::string& execution_id, const std::vector<LogLine>& lines);
Result<std::int64_t> last_log_seq(Connection& connection, const std::string& execution_id);
Param optional_millis(const std::optional<Timestamp>& at);
// A GitHub login checked and lowercased (project_members.cpp).
Result<std::string> member_login(std::string_view login);
// Secrets (secrets.cpp): a name and a value as every secret's must be.
Status check_secret_name(std::string_view name);
Status check_secret_value(std::string_view value);
// Text stored as NULL when empty (optional names and ids).
std::optional<std::string> optional_text(std::string_view text);
Result<int> check_limit(const PageRequest& page);
// Keyset start: ids sort after the nil UUID, so "from the start" needs no other query.
Result<std::string> page_start(const PageRequest& page);
// The same for newest-first pages: every id sorts before the start.
Result<std::string> page_end(const PageRequest& page);
// Trims a page fetched with limit + 1 rows and sets `next` when more follow.
template <class T>
Page<T> finish_page(std::vector<T> items, int limit) {
  Page<T> page{std::move(items), {}};
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.next = page.items.back().id;
  }
  return page;
}

}  // namespace store
