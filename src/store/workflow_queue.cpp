// The queue side of SqlStore's workflows: claims, leases, expiry.
//
// A claim is one short transaction: select the oldest queued workflow and
// mark it running with a lease. PostgreSQL and MariaDB lock the selected row
// with FOR UPDATE SKIP LOCKED, so concurrent claimers pass over each other's
// rows instead of waiting; SQLite's BEGIN IMMEDIATE makes the transaction
// the only writer. Either way the (status, id) index finds the oldest
// queued row in O(log n), however long the queue and its history.
#include "store/workflow_rows.h"

namespace store {

namespace {

constexpr std::size_t kMaxAgentLength = 255;

#define FACTORY_OLDEST_QUEUED(index, condition) \
  "SELECT " FACTORY_WORKFLOW_COLUMNS "FROM workflows" index " WHERE " condition " ORDER BY id LIMIT 1"

// SQLite and MariaDB are told the index: their planners may otherwise walk
// the primary key past every finished workflow (SQLite fails instead). On
// PostgreSQL the partial index of queued workflows (migration 6) serves.
const Query kOldestQueued{
    FACTORY_OLDEST_QUEUED("", "status = 'queued'") " FOR UPDATE SKIP LOCKED",
    FACTORY_OLDEST_QUEUED(" FORCE INDEX (workflows_queue_idx)", "status = 'queued'") " FOR UPDATE SKIP LOCKED",
    FACTORY_OLDEST_QUEUED(" INDEXED BY workflows_queue_idx", "status = 'queued'")};
const Query kOldestQueuedOfProject{
    FACTORY_OLDEST_QUEUED("", "project_id = ? AND status = 'queued'") " FOR UPDATE SKIP LOCKED",
    FACTORY_OLDEST_QUEUED(" FORCE INDEX (workflows_project_queue_idx)", "project_id = ? AND status = 'queued'")
        " FOR UPDATE SKIP LOCKED",
    FACTORY_OLDEST_QUEUED(" INDEXED BY workflows_project_queue_idx", "project_id = ? AND status = 'queued'")};
#undef FACTORY_OLDEST_QUEUED

const Query kStartWorkflow{
    "UPDATE workflows SET status = 'running', lease_owner = ?, lease_expires_at = ?, started_at = ?"
    " WHERE id = ? AND status = 'queued'"};
// The common case, one statement: no cancel asked. Otherwise the renewal is
// refused here, and renew_asked_to_cancel looks at why.
const Query kRenewLease{
    "UPDATE workflows SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?"
    " AND cancel_requested_at IS NULL"};
const Query kRenewCancelledLease{
    "UPDATE workflows SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?"};
const Query kRequestCancel{
    "UPDATE workflows SET cancel_requested_at = ?, cancelled_by = ? WHERE id = ? AND status = 'running'"
    " AND cancel_requested_at IS NULL"};
const Query kUnconfirmedCancels{
    "SELECT id FROM workflows WHERE status = 'running' AND cancel_requested_at < ? ORDER BY id"};
const Query kExpiredLeases{
    "SELECT id, attempt, lease_owner FROM workflows WHERE status = 'running' AND lease_expires_at < ?"
    " ORDER BY id FOR UPDATE SKIP LOCKED",
    nullptr,
    "SELECT id, attempt, lease_owner FROM workflows WHERE status = 'running' AND lease_expires_at < ? ORDER BY id"};
const Query kRequeue{
    "UPDATE workflows SET status = 'queued', status_reason = ?, attempt = attempt + 1, lease_owner = NULL,"
    " lease_expires_at = NULL, started_at = NULL WHERE id = ? AND status = 'running'"};
const Query kDropTree{"DELETE FROM pipelines WHERE workflow_id = ?"};
const Query kLeaseLost{
    "UPDATE workflows SET status = 'error', status_reason = ?, finished_at = ?, lease_owner = NULL,"
    " lease_expires_at = NULL WHERE id = ? AND status = 'running'"};

// The agent of a lease owner, for people: its name, without the digest of
// its lease (store.h, Workflow::lease_owner).
std::string_view agent_name(std::string_view lease_owner) { return lease_owner.substr(0, lease_owner.find('#')); }

struct ExpiredLease {
  std::string id;
  int attempt;
  std::string agent;
};

Status check_lease(std::string_view agent, std::chrono::milliseconds lease) {
  if (agent.empty() || agent.size() > kMaxAgentLength)
    return invalid("agent id must be 1 to " + std::to_string(kMaxAgentLength) + " bytes");
  if (lease <= std::chrono::milliseconds::zero()) return invalid("a lease must last longer than 0 ms");
  return {};
}

// Why renewing failed: the workflow is gone, ended, or another agent's.
// The lease is renewed all the same when a cancel is asked: the agent needs
// it while it stops. Otherwise the renewal is refused, saying why.
Result<Lease> renew_asked_to_cancel(Connection& connection, std::string_view id, std::string_view agent,
                                    Timestamp until) {
  auto workflow = select_workflow(connection, id);
  if (!workflow) return workflow.error();
  if (workflow->status != core::Status::Running)
    return conflict("workflow " + std::string(id) + " is " + std::string(core::to_string(workflow->status)) +
                    ", not running");
  if (workflow->lease_owner != agent) return conflict("workflow " + std::string(id) + " is leased to another agent");
  auto renewed = connection.execute(kRenewCancelledLease, {to_millis(until), id, agent});
  if (!renewed) return renewed.error();
  return Lease{until, true};
}

Status requeue(Connection& connection, const ExpiredLease& lease) {
  std::string reason =
      "the lease of agent " + std::string(agent_name(lease.agent)) + " expired on attempt " +
      std::to_string(lease.attempt) + "; queued again";
  if (auto done = connection.execute(kRequeue, {reason, lease.id}); !done) return done.error();
  // The next attempt records its own plan.
  if (auto done = connection.execute(kDropTree, {lease.id}); !done) return done.error();
  return {};
}

Status give_up(Connection& connection, const ExpiredLease& lease, bool queue_statuses) {
  std::string reason = "the lease of agent " + std::string(agent_name(lease.agent)) + " expired on attempt " +
                       std::to_string(lease.attempt) + "; no attempts left";
  if (auto done = connection.execute(kLeaseLost, {reason, to_millis(now()), lease.id}); !done) return done.error();
  if (auto finished = finish_unfinished_nodes(connection, lease.id, core::Status::Error, queue_statuses); !finished)
    return finished;
  if (!queue_statuses) return {};
  return queue_commit_status(connection, lease.id, {}, core::Status::Error, reason);
}

}  // namespace

Result<std::optional<Workflow>> SqlStore::claim_next_workflow(std::string_view agent, std::chrono::milliseconds lease,
                                                              std::string_view project_id) {
  if (auto checked = check_lease(agent, lease); !checked) return checked.error();
  std::optional<std::string> project;
  if (!project_id.empty() && !(project = canonical_id(project_id))) return bad_id(project_id);
  return in_contended_transaction([&](Connection& connection) -> Result<std::optional<Workflow>> {
    std::optional<Workflow> workflow;
    auto take = [&](const Row& row) { workflow = read_workflow(row); };
    auto found = project ? connection.execute(kOldestQueuedOfProject, {*project}, take)
                         : connection.execute(kOldestQueued, {}, take);
    if (!found) return found.error();
    if (!workflow) return workflow;
    Timestamp at = now();
    workflow->status = core::Status::Running;
    workflow->lease_owner = agent;
    workflow->lease_expires_at = at + lease;
    workflow->started_at = at;
    auto started = connection.execute(kStartWorkflow,
                                      {agent, to_millis(*workflow->lease_expires_at), to_millis(at), workflow->id});
    if (!started) return started.error();
    if (*started != 1) return internal("claimed workflow " + workflow->id + " was not queued any more");
    return workflow;
  });
}

Result<Lease> SqlStore::renew_lease(std::string_view workflow_id, std::string_view agent,
                                    std::chrono::milliseconds lease) {
  auto key = checked_id(workflow_id);
  if (!key) return key.error();
  if (auto checked = check_lease(agent, lease); !checked) return checked.error();
  Timestamp until = now() + lease;
  return with_connection([&](Connection& connection) -> Result<Lease> {
    auto renewed = connection.execute(kRenewLease, {to_millis(until), *key, agent});
    if (!renewed) return renewed.error();
    if (*renewed == 0) return renew_asked_to_cancel(connection, *key, agent, until);
    return Lease{until, false};
  });
}

Status SqlStore::request_cancel(std::string_view workflow_id, std::string_view by) {
  auto key = checked_id(workflow_id);
  if (!key) return key.error();
  return with_connection([&](Connection& connection) -> Status {
    auto asked = connection.execute(kRequestCancel, {to_millis(now()), optional_text(by), *key});
    if (!asked) return asked.error();
    return {};
  });
}

Result<std::vector<std::string>> SqlStore::unconfirmed_cancels(Timestamp asked_before) {
  return with_connection([&](Connection& connection) -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    auto found = connection.execute(kUnconfirmedCancels, {to_millis(asked_before)},
                                    [&](const Row& row) { ids.emplace_back(row.text(0)); });
    if (!found) return found.error();
    return ids;
  });
}

Result<ExpiredLeases> SqlStore::expire_leases(Timestamp at, int max_attempts) {
  return in_contended_transaction([&](Connection& connection) -> Result<ExpiredLeases> {
    std::vector<ExpiredLease> expired;
    auto found = connection.execute(kExpiredLeases, {to_millis(at)}, [&](const Row& row) {
      expired.push_back({std::string(row.text(0)), static_cast<int>(row.integer(1)), std::string(row.text(2))});
    });
    if (!found) return found.error();
    ExpiredLeases outcome;
    for (const ExpiredLease& lease : expired) {
      bool again = lease.attempt < max_attempts;
      auto done = again ? requeue(connection, lease) : give_up(connection, lease, queue_statuses_);
      if (!done) return done.error();
      (again ? outcome.requeued : outcome.failed).push_back(lease.id);
    }
    return outcome;
  });
}

}  // namespace store
