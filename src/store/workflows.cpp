// Workflow operations of SqlStore: enqueue (idempotent per delivery), read,
// list, finish. The queue's claims and leases are in workflow_queue.cpp.
#include <algorithm>

#include "core/schedule_name.h"
#include "core/uuid.h"
#include "store/workflow_rows.h"

namespace store {

namespace {

constexpr std::size_t kMaxDeliveryIdLength = 255;
constexpr std::size_t kMaxRefLength = 255;
constexpr std::size_t kMaxShaLength = 64;

// A delivery seen before inserts nothing; the select then finds the first
// delivery's workflow. Concurrent inserts of one delivery wait for each
// other on the unique key, so exactly one row results.
const Query kInsertWorkflow{
    "INSERT INTO workflows (id, project_id, delivery_id, event, branch, target_branch, tag, sha, from_fork,"
    " changed_paths, status, status_reason, attempt, created_at, approval_required, triggered_by, rerun_of,"
    " schedule, rerun_selection, rerun_execution, inputs)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, delivery_id) DO NOTHING",
    "INSERT INTO workflows (id, project_id, delivery_id, event, branch, target_branch, tag, sha, from_fork,"
    " changed_paths, status, status_reason, attempt, created_at, approval_required, triggered_by, rerun_of,"
    " schedule, rerun_selection, rerun_execution, inputs)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 1, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id"};
const Query kInsertKeptExecution{"INSERT INTO kept_executions (workflow_id, execution_id) VALUES (?, ?)"};
const Query kWorkflowByDelivery{"SELECT id FROM workflows WHERE project_id = ? AND delivery_id = ?"};
const Query kProjectWorkflowsBefore{"SELECT " FACTORY_LISTED_WORKFLOW_COLUMNS
                                    "FROM workflows WHERE project_id = ? AND id < ? ORDER BY id DESC LIMIT ?"};
// Pushes have no target branch, so one query serves both kinds. The
// (project_id, status, id) index finds the few unfinished rows.
const Query kSupersededWorkflows{"SELECT " FACTORY_LISTED_WORKFLOW_COLUMNS
                                 "FROM workflows WHERE project_id = ?"
                                 " AND status IN ('waiting_for_approval', 'queued', 'running')"
                                 " AND id < ? AND event = ? AND branch = ? AND target_branch = ? AND from_fork = ?"
                                 " ORDER BY id"};
const Query kCountProject{"SELECT COUNT(*) FROM projects WHERE id = ?"};
const Query kApproveWorkflow{
    "UPDATE workflows SET status = 'queued', approved_by = ?, approved_at = ?"
    " WHERE id = ? AND status = 'waiting_for_approval'"};
// A slot's row goes in first, with the id its workflow will have: when
// another server's went in before (or its transaction holds the key), this
// one inserts nothing, and the select finds the other workflow.
const Query kInsertScheduleRun{
    "INSERT INTO schedule_runs (schedule_id, slot_at, workflow_id, created_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (schedule_id, slot_at) DO NOTHING",
    "INSERT INTO schedule_runs (schedule_id, slot_at, workflow_id, created_at) VALUES (?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE schedule_id = schedule_id"};
const Query kScheduleRunWorkflow{"SELECT workflow_id FROM schedule_runs WHERE schedule_id = ? AND slot_at = ?"};
const Query kForgetScheduleRuns{"DELETE FROM schedule_runs WHERE schedule_id = ? AND slot_at < ?"};
const Query kScheduleProject{"SELECT project_id FROM schedules WHERE id = ?"};
const Query kFinishWorkflow{
    "UPDATE workflows SET status = ?, status_reason = ?, finished_at = ?, lease_owner = NULL,"
    " lease_expires_at = NULL, cancelled_by = ? WHERE id = ? AND status = ?"};

Status check_event(const core::Event& event) {
  if (event.name != "push" && event.name != "pull_request" && event.name != "tag" && event.name != "manual" &&
      event.name != "cron")
    return invalid("event '" + event.name + "' is not push, pull_request, tag, manual or cron");
  if ((event.name == "cron") == event.schedule.empty())
    return invalid("a cron event, and only a cron event, names its schedule");
  if (auto problem = core::schedule_name_problem(event.schedule); !event.schedule.empty() && !problem.empty())
    return invalid(problem);
  for (const std::string* ref : {&event.branch, &event.target_branch, &event.tag})
    if (ref->size() > kMaxRefLength) return invalid("branch or tag is longer than " + std::to_string(kMaxRefLength));
  if (event.sha.size() > kMaxShaLength) return invalid("sha is longer than " + std::to_string(kMaxShaLength));
  if (event.inputs.size() > core::kMaxInputs)
    return invalid("more than " + std::to_string(core::kMaxInputs) + " inputs");
  for (const auto& [name, value] : event.inputs)
    if (name.size() > kMaxRefLength || value.size() > core::kMaxInputBytes)
      return invalid("input names are at most " + std::to_string(kMaxRefLength) + " bytes, values at most " +
                     std::to_string(core::kMaxInputBytes));
  return {};
}

Status project_exists(Connection& connection, std::string_view project_id) {
  std::int64_t count = 0;
  auto done = connection.execute(kCountProject, {project_id}, [&](const Row& row) { count = row.integer(0); });
  if (!done) return done.error();
  if (count == 0) return not_found("no project " + std::string(project_id));
  return {};
}

// A workflow is claimed (running) before its agent reads the configuration;
// when no pipeline matches the event, it ends skipped from there.
bool workflow_can_become(core::Status from, core::Status to) {
  return core::can_transition(from, to) || (from == core::Status::Running && to == core::Status::Skipped);
}

// A rerun's selection and kept executions, checked, as their columns and rows hold them.
struct RerunPart {
  std::optional<std::string> selection;
  std::optional<std::string> execution;
  std::vector<std::string> kept;
};

Result<RerunPart> rerun_part(const WorkflowOrigin& origin) {
  RerunPart part;
  const bool all = origin.rerun_selection == RerunSelection::All;
  if (origin.rerun_of.empty() && (!all || !origin.kept.empty()))
    return invalid("only a rerun selects what it runs again or keeps");
  if (!all) part.selection = std::string{to_string(origin.rerun_selection)};
  if ((origin.rerun_selection == RerunSelection::Execution) != !origin.rerun_execution.empty())
    return invalid("a rerun names an execution exactly when it selects one");
  if (!origin.rerun_execution.empty() && !(part.execution = canonical_id(origin.rerun_execution)))
    return bad_id(origin.rerun_execution);
  for (const std::string& kept : origin.kept) {
    auto key = canonical_id(kept);
    if (!key) return bad_id(kept);
    part.kept.push_back(std::move(*key));
  }
  std::sort(part.kept.begin(), part.kept.end());  // once each: they are a key
  part.kept.erase(std::unique(part.kept.begin(), part.kept.end()), part.kept.end());
  return part;
}

}  // namespace

// A request checked and given its row's values, ready to insert.
struct SqlStore::WorkflowRow {
  std::string id;
  std::string project;
  std::string delivery;
  const core::Event* event;
  std::string paths;
  core::Status status;  // queued, or waiting_for_approval
  std::optional<std::string> triggered_by;
  std::optional<std::string> rerun_of;
  std::optional<std::string> rerun_selection;  // null for all
  std::optional<std::string> rerun_execution;
  std::vector<std::string> kept;
  std::optional<std::string> inputs;
};

Result<SqlStore::WorkflowRow> SqlStore::workflow_row(const WorkflowRequest& request) {
  auto project = checked_id(request.project_id);
  if (!project) return project.error();
  if (request.delivery_id.size() > kMaxDeliveryIdLength)
    return invalid("delivery id is longer than " + std::to_string(kMaxDeliveryIdLength));
  if (auto checked = check_event(request.event); !checked) return checked.error();
  const WorkflowOrigin& origin = request.origin;
  if (origin.triggered_by.size() > kMaxActorLength)
    return invalid("triggered_by is longer than " + std::to_string(kMaxActorLength));
  std::optional<std::string> rerun_of;
  if (!origin.rerun_of.empty() && !(rerun_of = canonical_id(origin.rerun_of))) return bad_id(origin.rerun_of);
  auto part = rerun_part(origin);
  if (!part) return part.error();
  std::string id = core::Uuid::new_v7().to_string();
  std::string delivery = request.delivery_id.empty() ? id : request.delivery_id;
  return WorkflowRow{std::move(id), std::move(*project), std::move(delivery), &request.event,
                     encode_strings(request.event.changed_paths),
                     request.wait_for_approval ? core::Status::WaitingForApproval : core::Status::Queued,
                     optional_text(origin.triggered_by), std::move(rerun_of), std::move(part->selection),
                     std::move(part->execution), std::move(part->kept), encode_inputs(request.event.inputs)};
}

Result<EnqueuedWorkflow> SqlStore::insert_workflow(Connection& connection, const WorkflowRow& row) {
  const core::Event& event = *row.event;
  const bool waits = row.status == core::Status::WaitingForApproval;
  auto inserted = connection.execute(kInsertWorkflow, {row.id, row.project, row.delivery, event.name, event.branch,
                                                       event.target_branch, event.tag, event.sha,
                                                       event.from_fork ? 1 : 0, row.paths, core::to_string(row.status),
                                                       to_millis(now()), waits ? 1 : 0, row.triggered_by,
                                                       row.rerun_of, optional_text(event.schedule),
                                                       row.rerun_selection, row.rerun_execution, row.inputs});
  if (!inserted) return inserted.error();
  std::string stored;
  auto found = connection.execute(kWorkflowByDelivery, {row.project, row.delivery},
                                  [&](const Row& found_row) { stored = found_row.text(0); });
  if (!found) return found.error();
  if (stored.empty()) return internal("workflow for delivery " + row.delivery + " vanished while enqueuing it");
  if (stored == row.id)
    for (const std::string& execution : row.kept)
      if (auto kept = connection.execute(kInsertKeptExecution, {row.id, execution}); !kept) return kept.error();
  if (queue_statuses_ && stored == row.id)
    if (auto queued = queue_commit_status(connection, row.id, {}, row.status, {}); !queued)
      return queued.error();
  return EnqueuedWorkflow{stored, stored != row.id};
}

Result<EnqueuedWorkflow> SqlStore::enqueue_row(const WorkflowRow& row) {
  auto enqueued = in_contended_transaction([&](Connection& connection) { return insert_workflow(connection, row); },
                                          Sync::Disk);
  // The only key left to violate is the project's (the delivery's is handled).
  if (!enqueued && enqueued.error().kind == ErrorKind::Conflict) return not_found("no project " + row.project);
  return enqueued;
}

Result<EnqueuedWorkflow> SqlStore::enqueue_workflow(std::string_view project_id, std::string_view delivery_id,
                                                    const core::Event& event, const WorkflowOrigin& origin) {
  const WorkflowRequest request{std::string(project_id), std::string(delivery_id), event, origin};
  auto row = workflow_row(request);
  if (!row) return row.error();
  return enqueue_row(*row);
}

// All valid requests go in one transaction. When it fails for one request's
// sake (a project deleted meanwhile, say), each runs alone, so that request
// fails only itself; an unavailable database fails them all.
std::vector<Result<EnqueuedWorkflow>> SqlStore::enqueue_workflows(std::span<const WorkflowRequest> requests) {
  std::vector<Result<EnqueuedWorkflow>> results;
  std::vector<WorkflowRow> rows;
  for (const WorkflowRequest& request : requests) {
    auto row = workflow_row(request);
    if (row) {
      results.emplace_back(EnqueuedWorkflow{});  // filled below
      rows.push_back(std::move(*row));
    } else {
      results.emplace_back(row.error());
    }
  }
  auto batch = in_contended_transaction([&](Connection& connection) -> Result<std::vector<EnqueuedWorkflow>> {
    std::vector<EnqueuedWorkflow> enqueued;
    for (const WorkflowRow& row : rows) {
      auto one = insert_workflow(connection, row);
      if (!one) return one.error();
      enqueued.push_back(std::move(*one));
    }
    return enqueued;
  }, Sync::Disk);
  std::size_t next_row = 0;
  for (auto& result : results) {
    if (!result) continue;
    if (batch)
      result = std::move((*batch)[next_row]);
    else if (batch.error().kind == ErrorKind::Unavailable)
      result = batch.error();
    else
      result = enqueue_row(rows[next_row]);
    ++next_row;
  }
  return results;
}

Result<std::optional<EnqueuedWorkflow>> SqlStore::enqueue_scheduled_workflow(const ScheduledRun& run) {
  auto schedule = checked_id(run.schedule_id);
  if (!schedule) return schedule.error();
  const std::int64_t slot = to_millis(run.slot);
  return in_contended_transaction([&](Connection& connection) -> Result<std::optional<EnqueuedWorkflow>> {
    std::string project;
    auto found = connection.execute(kScheduleProject, {*schedule}, [&](const Row& row) { project = row.text(0); });
    if (!found) return found.error();
    if (project.empty()) return not_found("no schedule " + *schedule);
    // The delivery id names the slot too: the workflow says where it came from.
    const WorkflowRequest request{project, "schedule-" + *schedule + "-" + std::to_string(slot), run.event, {}};
    auto row = workflow_row(request);  // refers to request.event
    if (!row) return row.error();
    auto inserted = connection.execute(kInsertScheduleRun, {*schedule, slot, row->id, to_millis(now())});
    if (!inserted) return inserted.error();
    std::string winner;
    auto read = connection.execute(kScheduleRunWorkflow, {*schedule, slot},
                                   [&](const Row& found_row) { winner = found_row.text(0); });
    if (!read) return read.error();
    if (winner != row->id) return std::optional<EnqueuedWorkflow>{};
    auto forgotten = connection.execute(kForgetScheduleRuns,
                                        {*schedule, slot - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                              kScheduleRunHistory).count()});
    if (!forgotten) return forgotten.error();
    auto enqueued = insert_workflow(connection, *row);
    if (!enqueued) return enqueued.error();
    return std::optional<EnqueuedWorkflow>{*enqueued};
  }, Sync::Disk);
}

Result<Workflow> SqlStore::approve_workflow(std::string_view id, std::string_view approved_by) {
  auto key = checked_id(id);
  if (!key) return key.error();
  if (approved_by.empty() || approved_by.size() > kMaxActorLength)
    return invalid("an approver's name must be 1 to " + std::to_string(kMaxActorLength) + " bytes");
  return in_transaction([&](Connection& connection) -> Result<Workflow> {
    auto workflow = select_workflow(connection, *key);
    if (!workflow) return workflow.error();
    if (workflow->status != core::Status::WaitingForApproval)
      return conflict("workflow " + *key + " is " + std::string(core::to_string(workflow->status)) +
                      ": only a workflow waiting for approval can be approved");
    Workflow& approved = *workflow;
    approved.status = core::Status::Queued;
    approved.approved_by = approved_by;
    approved.approved_at = now();
    auto updated = connection.execute(kApproveWorkflow, {approved.approved_by, to_millis(*approved.approved_at), *key});
    if (!updated) return updated.error();
    if (*updated == 0) return conflict("workflow " + *key + " changed status meanwhile; read it again");
    if (queue_statuses_)
      if (auto queued = queue_commit_status(connection, *key, {}, core::Status::Queued, {}); !queued)
        return queued.error();
    return std::move(approved);
  });
}

Result<Workflow> SqlStore::get_workflow(std::string_view id) {
  auto key = checked_id(id);
  if (!key) return key.error();
  return with_connection([&](Connection& connection) { return select_workflow(connection, *key); });
}

Result<Page<Workflow>> SqlStore::list_workflows(std::string_view project_id, const PageRequest& request) {
  auto project = checked_id(project_id);
  if (!project) return project.error();
  auto limit = check_limit(request);
  if (!limit) return limit.error();
  auto before = page_end(request);
  if (!before) return before.error();
  return with_connection([&](Connection& connection) -> Result<Page<Workflow>> {
    std::vector<Workflow> workflows;
    auto done = connection.execute(kProjectWorkflowsBefore, {*project, *before, *limit + 1},
                                   [&](const Row& row) { workflows.push_back(read_workflow(row)); });
    if (!done) return done.error();
    if (workflows.empty())  // an unknown project is not an empty one
      if (auto exists = project_exists(connection, *project); !exists) return exists.error();
    return finish_page(std::move(workflows), *limit);
  });
}

Result<std::vector<Workflow>> SqlStore::superseded_workflows(std::string_view project_id,
                                                             std::string_view newer_id, const core::Event& event) {
  auto project = checked_id(project_id);
  if (!project) return project.error();
  auto newer = checked_id(newer_id);
  if (!newer) return newer.error();
  std::vector<Workflow> workflows;
  if (event.name != "push" && event.name != "pull_request") return workflows;
  return with_connection([&](Connection& connection) -> Result<std::vector<Workflow>> {
    auto done = connection.execute(kSupersededWorkflows,
                                   {*project, *newer, event.name, event.branch, event.target_branch,
                                    event.from_fork ? 1 : 0},
                                   [&](const Row& row) { workflows.push_back(read_workflow(row)); });
    if (!done) return done.error();
    return std::move(workflows);
  });
}

Result<Workflow> SqlStore::finish_workflow(std::string_view id, core::Status status, std::string_view reason,
                                           std::string_view cancelled_by) {
  auto key = checked_id(id);
  if (!key) return key.error();
  if (!core::is_final(status))
    return invalid("a workflow cannot be set " + std::string(core::to_string(status)) +
                   "; it starts running by being claimed");
  if (cancelled_by.size() > kMaxActorLength)
    return invalid("cancelled_by is longer than " + std::to_string(kMaxActorLength));
  return in_transaction([&](Connection& connection) -> Result<Workflow> {
    auto workflow = select_workflow(connection, *key);
    if (!workflow) return workflow.error();
    core::Status from = workflow->status;
    if (!workflow_can_become(from, status))
      return conflict("workflow " + *key + " is " + std::string(core::to_string(from)) + " and cannot become " +
                      std::string(core::to_string(status)));
    Workflow& changed = *workflow;
    changed.status = status;
    changed.status_reason = clip_reason(reason);
    changed.finished_at = now();
    changed.lease_owner.clear();
    changed.lease_expires_at.reset();
    if (status == core::Status::Cancelled && !cancelled_by.empty()) changed.cancelled_by = cancelled_by;
    auto updated = connection.execute(kFinishWorkflow, {core::to_string(status), changed.status_reason,
                                                        to_millis(*changed.finished_at),
                                                        optional_text(changed.cancelled_by), *key,
                                                        core::to_string(from)});
    if (!updated) return updated.error();
    if (*updated == 0) return conflict("workflow " + *key + " changed status meanwhile; read it again");
    if (status == core::Status::Cancelled || status == core::Status::Error)
      if (auto finished = finish_unfinished_nodes(connection, *key, status, queue_statuses_); !finished)
        return finished.error();
    if (queue_statuses_)
      if (auto queued = queue_commit_status(connection, *key, {}, status, changed.status_reason); !queued)
        return queued.error();
    return std::move(changed);
  });
}

}  // namespace store
