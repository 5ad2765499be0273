// Pipeline gates of SqlStore (docs/agents.md, "The pipeline gate"): what
// happened at each planned pipeline's gate, approvals, and the holders of
// concurrency groups, one per (project, group) by the table's key.
#include "store/sql_store.h"
#include "store/workflow_rows.h"

namespace store {

namespace {

#define FACTORY_GATE_COLUMNS                                                                                        \
  "SELECT p.id, p.workflow_id, w.project_id, p.name, p.status, p.status_reason, p.concurrency_group,"              \
  " p.cancel_in_progress, p.environment, p.gate_entered_at, p.approved_by, p.approved_at, p.rejected_by"          \
  " FROM pipelines p JOIN workflows w ON w.id = p.workflow_id"
const Query kGate{FACTORY_GATE_COLUMNS " WHERE p.id = ?"};
#undef FACTORY_GATE_COLUMNS
const Query kEnterGate{
    "UPDATE pipelines SET gate_entered_at = COALESCE(gate_entered_at, ?) WHERE id = ? AND workflow_id = ?"};
const Query kWaitAtGate{
    "UPDATE pipelines SET status = ?, status_reason = ? WHERE id = ? AND status IN ('queued', 'waiting_for_approval')"};
const Query kApprove{
    "UPDATE pipelines SET status = 'queued', status_reason = '', approved_by = ?, approved_at = ?"
    " WHERE id = ? AND status = 'waiting_for_approval' AND approved_by IS NULL AND rejected_by IS NULL"};
const Query kReject{
    "UPDATE pipelines SET rejected_by = ?, status_reason = ?"
    " WHERE id = ? AND status = 'waiting_for_approval' AND approved_by IS NULL AND rejected_by IS NULL"};
const Query kProjectOfPipeline{"SELECT w.project_id FROM pipelines p JOIN workflows w ON w.id = p.workflow_id"
                               " WHERE p.id = ?"};

const Query kMarkWaiting{"UPDATE pipelines SET group_waiting_since = COALESCE(group_waiting_since, ?) WHERE id = ?"};
const Query kLockHolder{
    "SELECT pipeline_id, workflow_id FROM concurrency_holders WHERE project_id = ? AND group_name = ? FOR UPDATE",
    nullptr, "SELECT pipeline_id, workflow_id FROM concurrency_holders WHERE project_id = ? AND group_name = ?"};
// The newest pipeline of a newer, running workflow waiting for the group.
const Query kNewerWaiter{
    "SELECT p.id, p.workflow_id, p.name FROM pipelines p JOIN workflows w ON w.id = p.workflow_id"
    " WHERE p.concurrency_group = ? AND w.project_id = ? AND p.group_waiting_since IS NOT NULL"
    " AND p.status IN ('queued', 'waiting_for_approval') AND w.status = 'running' AND w.id > ?"
    " ORDER BY w.id DESC, p.position DESC LIMIT 1"};
const Query kHolderState{
    "SELECT p.name, p.status, w.status, w.lease_expires_at FROM pipelines p JOIN workflows w ON w.id = p.workflow_id"
    " WHERE p.id = ?"};
const Query kReleaseHolder{
    "DELETE FROM concurrency_holders WHERE project_id = ? AND group_name = ? AND pipeline_id = ?"};
const Query kInsertHolder{
    "INSERT INTO concurrency_holders (project_id, group_name, pipeline_id, workflow_id, since) VALUES (?, ?, ?, ?, ?)"};
const Query kHolding{"UPDATE pipelines SET group_waiting_since = NULL, status_reason = '' WHERE id = ?"};

PipelineGate read_gate(const Row& row) {
  PipelineGate gate;
  gate.pipeline_id = row.text(0);
  gate.workflow_id = row.text(1);
  gate.project_id = row.text(2);
  gate.name = row.text(3);
  gate.status = read_status(row, 4);
  gate.status_reason = row.text(5);
  gate.concurrency = row.text(6);
  gate.cancel_in_progress = row.integer(7) != 0;
  gate.environment = row.text(8);
  gate.entered_at = optional_time(row, 9);
  gate.approved_by = row.text(10);
  gate.approved_at = optional_time(row, 11);
  gate.rejected_by = row.text(12);
  return gate;
}

Result<PipelineGate> select_gate(Connection& connection, const std::string& pipeline_id) {
  std::optional<PipelineGate> gate;
  auto done = connection.execute(kGate, {pipeline_id}, [&](const Row& row) { gate = read_gate(row); });
  if (!done) return done.error();
  if (!gate) return not_found("no pipeline " + pipeline_id);
  return std::move(*gate);
}

// Whether the holder `pipeline_id` still holds its group at `now`: its
// pipeline has not ended, and its workflow runs under a live lease.
Result<bool> holds(Connection& connection, const std::string& pipeline_id, Timestamp now, std::string& name) {
  bool live = false;
  auto done = connection.execute(kHolderState, {pipeline_id}, [&](const Row& row) {
    name = row.text(0);
    const auto expires = optional_time(row, 3);
    live = !core::is_final(read_status(row, 1)) && read_status(row, 2) == core::Status::Running && expires &&
           *expires >= now;
  });
  if (!done) return done.error();
  return live;
}

Result<GroupClaim> claim_group(Connection& connection, const PipelineGate& gate, Timestamp now) {
  const std::int64_t at = to_millis(now);
  if (auto marked = connection.execute(kMarkWaiting, {at, gate.pipeline_id}); !marked) return marked.error();
  std::optional<GroupClaim> holder;
  auto locked = connection.execute(kLockHolder, {gate.project_id, gate.concurrency}, [&](const Row& row) {
    holder = GroupClaim{GroupClaim::Outcome::Waiting, std::string(row.text(1)), {}, std::string(row.text(0))};
  });
  if (!locked) return locked.error();
  if (holder && holder->pipeline_id == gate.pipeline_id) return GroupClaim{};
  std::optional<GroupClaim> newer;
  auto found = connection.execute(kNewerWaiter, {gate.concurrency, gate.project_id, gate.workflow_id},
                                  [&](const Row& row) {
                                    newer = GroupClaim{GroupClaim::Outcome::Superseded, std::string(row.text(1)),
                                                       std::string(row.text(2)), std::string(row.text(0))};
                                  });
  if (!found) return found.error();
  if (newer) return std::move(*newer);
  if (holder) {
    auto live = holds(connection, holder->pipeline_id, now, holder->pipeline);
    if (!live) return live.error();
    if (*live) return std::move(*holder);
    auto released = connection.execute(kReleaseHolder, {gate.project_id, gate.concurrency, holder->pipeline_id});
    if (!released) return released.error();
  }
  auto inserted =
      connection.execute(kInsertHolder, {gate.project_id, gate.concurrency, gate.pipeline_id, gate.workflow_id, at});
  if (!inserted) return inserted.error();
  if (auto holding = connection.execute(kHolding, {gate.pipeline_id}); !holding) return holding.error();
  return GroupClaim{};
}

}  // namespace

Result<PipelineGate> SqlStore::enter_gate(std::string_view workflow_id, std::string_view pipeline_id) {
  auto workflow = checked_id(workflow_id);
  if (!workflow) return workflow.error();
  auto pipeline = checked_id(pipeline_id);
  if (!pipeline) return pipeline.error();
  return in_transaction([&](Connection& connection) -> Result<PipelineGate> {
    auto entered = connection.execute(kEnterGate, {to_millis(now()), *pipeline, *workflow});
    if (!entered) return entered.error();
    if (*entered == 0) return not_found("workflow " + *workflow + " has no pipeline " + *pipeline);
    return select_gate(connection, *pipeline);
  });
}

Result<PipelineGate> SqlStore::get_pipeline_gate(std::string_view pipeline_id) {
  auto key = checked_id(pipeline_id);
  if (!key) return key.error();
  return with_connection([&](Connection& connection) { return select_gate(connection, *key); });
}

Status SqlStore::wait_at_gate(std::string_view pipeline_id, core::Status status, std::string_view reason) {
  auto key = checked_id(pipeline_id);
  if (!key) return key.error();
  if (status != core::Status::Queued && status != core::Status::WaitingForApproval)
    return invalid("a pipeline waits at its gate queued or waiting_for_approval");
  auto updated = with_connection([&](Connection& connection) {
    return connection.execute(kWaitAtGate, {core::to_string(status), clip_reason(reason), *key});
  });
  if (!updated) return updated.error();
  if (*updated == 0) return conflict("pipeline " + *key + " is not waiting at its gate");
  return {};
}

Result<PipelineGate> SqlStore::decide_approval(std::string_view pipeline_id, std::string_view by, bool approve) {
  auto key = checked_id(pipeline_id);
  if (!key) return key.error();
  if (by.empty() || by.size() > kMaxActorLength) return invalid("who decided must be 1 to 300 bytes");
  return in_transaction([&](Connection& connection) -> Result<PipelineGate> {
    auto decided = approve ? connection.execute(kApprove, {by, to_millis(now()), *key})
                           : connection.execute(kReject, {by, "rejected by " + std::string(by), *key});
    if (!decided) return decided.error();
    auto gate = select_gate(connection, *key);
    if (!gate) return gate.error();
    if (*decided == 0)
      return conflict("pipeline " + *key + " is not waiting for approval (it is " +
                      std::string(core::to_string(gate->status)) +
                      (gate->rejected_by.empty() ? "" : ", rejected by " + gate->rejected_by) + ")");
    return gate;
  });
}

Result<GroupClaim> SqlStore::take_concurrency_group(const PipelineGate& gate, Timestamp now) {
  if (gate.concurrency.empty()) return invalid("pipeline " + gate.pipeline_id + " has no concurrency group");
  return in_contended_transaction([&](Connection& connection) { return claim_group(connection, gate, now); });
}

Result<std::string> SqlStore::project_of_pipeline(std::string_view pipeline_id) {
  auto key = checked_id(pipeline_id);
  if (!key) return key.error();
  return project_of(kProjectOfPipeline, "pipeline", *key);
}

}  // namespace store
