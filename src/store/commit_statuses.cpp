// The commit status outbox of SqlStore (store.h, QueuedCommitStatus): rows
// added in the transactions that change pipelines, read oldest first by the
// server's GitHub sender, deleted once GitHub has them.
#include "core/uuid.h"
#include "store/workflow_rows.h"

namespace store {

namespace {

const Query kInsertStatus{
    "INSERT INTO commit_statuses (id, workflow_id, pipeline, status, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)"};
const Query kPipelineOf{"SELECT workflow_id, name FROM pipelines WHERE id = ?"};
const Query kOldestStatuses{
    "SELECT c.id, c.workflow_id, w.project_id, o.name, p.name, w.sha, c.pipeline, c.status, c.reason"
    " FROM commit_statuses c JOIN workflows w ON w.id = c.workflow_id JOIN projects p ON p.id = w.project_id"
    " JOIN owners o ON o.id = p.owner_id ORDER BY c.id LIMIT ?"};
const Query kDeleteStatus{"DELETE FROM commit_statuses WHERE id = ?"};
const Query kDeliverySeen{"SELECT COUNT(*) FROM workflows WHERE project_id = ? AND delivery_id = ?"};

}  // namespace

Status queue_commit_status(Connection& connection, std::string_view workflow_id, std::string_view pipeline,
                           core::Status status, std::string_view reason) {
  // A copy: an empty view may have no data, which binds as NULL.
  const std::string name{pipeline};
  auto inserted = connection.execute(kInsertStatus, {core::Uuid::new_v7().to_string(), workflow_id, name,
                                                     core::to_string(status), clip_reason(reason), to_millis(now())});
  if (!inserted) return inserted.error();
  return {};
}

Status queue_pipeline_status(Connection& connection, std::string_view pipeline_id, const StatusChange& change) {
  std::string workflow_id, name;
  auto found = connection.execute(kPipelineOf, {pipeline_id}, [&](const Row& row) {
    workflow_id = row.text(0);
    name = row.text(1);
  });
  if (!found) return found.error();
  return queue_commit_status(connection, workflow_id, name, change.status, change.reason);
}

Result<std::vector<QueuedCommitStatus>> SqlStore::queued_commit_statuses(int limit) {
  if (limit < 1 || limit > 1000) return invalid("limit must be 1..1000");
  return with_connection([&](Connection& connection) -> Result<std::vector<QueuedCommitStatus>> {
    std::vector<QueuedCommitStatus> statuses;
    auto done = connection.execute(kOldestStatuses, {limit}, [&](const Row& row) {
      statuses.push_back({std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2)),
                          std::string(row.text(3)), std::string(row.text(4)), std::string(row.text(5)),
                          std::string(row.text(6)), read_status(row, 7), std::string(row.text(8))});
    });
    if (!done) return done.error();
    return statuses;
  });
}

Status SqlStore::delete_commit_status(std::string_view id) {
  auto key = checked_id(id);
  if (!key) return key.error();
  auto deleted = with_connection([&](Connection& connection) { return connection.execute(kDeleteStatus, {*key}); });
  if (!deleted) return deleted.error();
  return {};
}

Result<bool> SqlStore::delivery_seen(std::string_view project_id, std::string_view delivery_id) {
  auto project = checked_id(project_id);
  if (!project) return project.error();
  return with_connection([&](Connection& connection) -> Result<bool> {
    std::int64_t count = 0;
    auto done =
        connection.execute(kDeliverySeen, {*project, delivery_id}, [&](const Row& row) { count = row.integer(0); });
    if (!done) return done.error();
    return count > 0;
  });
}

}  // namespace store
