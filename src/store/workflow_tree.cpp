// The workflow tree of SqlStore: recording a plan as pipelines, stages and
// executions, reading the tree back, and the nodes' status changes.
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/uuid.h"
#include "store/workflow_rows.h"

namespace store {

// A table of the tree, for the status changes all three share.
struct NodeTable {
  const char* noun;
  const Query& status_by_id;
  const Query& status_in_workflow;  // id, workflow id
  const Query& update;  // status, reason, started_at, finished_at[, exit_code], id, expected status
  bool has_exit_code;
};

namespace {

const Query kLockWorkflow{"SELECT id FROM workflows WHERE id = ? FOR UPDATE", nullptr,
                          "SELECT id FROM workflows WHERE id = ?"};
const Query kCountPipelines{"SELECT COUNT(*) FROM pipelines WHERE workflow_id = ?"};
const Query kInsertPipeline{
    "INSERT INTO pipelines (id, workflow_id, position, name, depends_on, status, status_reason, finished_at,"
    " concurrency_group, cancel_in_progress, environment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kInsertStage{
    "INSERT INTO stages (id, pipeline_id, position, name, status, status_reason) VALUES (?, ?, ?, ?, 'queued', '')"};
const Query kInsertExecution{
    "INSERT INTO executions (id, stage_id, position, name, status, status_reason, exit_code, finished_at, kept_from,"
    " rerun_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kKeptExecutionsOf{"SELECT execution_id FROM kept_executions WHERE workflow_id = ?"};

// Each selects the seven columns read_node reads, after the parent's id
// (pipelines: then their depends_on).
const Query kPipelinesOf{
    "SELECT id, position, name, status, status_reason, started_at, finished_at, depends_on"
    " FROM pipelines WHERE workflow_id = ? ORDER BY position"};
const Query kStagesOf{
    "SELECT s.pipeline_id, s.id, s.position, s.name, s.status, s.status_reason, s.started_at, s.finished_at"
    " FROM stages s JOIN pipelines p ON p.id = s.pipeline_id"
    " WHERE p.workflow_id = ? ORDER BY p.position, s.position"};
#define FACTORY_EXECUTION_COLUMNS \
  "e.stage_id, e.id, e.position, e.name, e.status, e.status_reason, e.started_at, e.finished_at, e.exit_code, " \
  "e.kept_from, e.rerun_of"
const Query kExecutionsOf{
    "SELECT " FACTORY_EXECUTION_COLUMNS
    " FROM executions e JOIN stages s ON s.id = e.stage_id JOIN pipelines p ON p.id = s.pipeline_id"
    " WHERE p.workflow_id = ? ORDER BY p.position, s.position, e.position"};
const Query kExecutionById{"SELECT " FACTORY_EXECUTION_COLUMNS " FROM executions e WHERE e.id = ?"};
#undef FACTORY_EXECUTION_COLUMNS
const Query kProjectOfWorkflow{"SELECT project_id FROM workflows WHERE id = ?"};
const Query kProjectOfExecution{
    "SELECT w.project_id FROM executions e JOIN stages s ON s.id = e.stage_id"
    " JOIN pipelines p ON p.id = s.pipeline_id JOIN workflows w ON w.id = p.workflow_id WHERE e.id = ?"};

const Query kPipelineStatus{"SELECT status FROM pipelines WHERE id = ?"};
const Query kStageStatus{"SELECT status FROM stages WHERE id = ?"};
const Query kExecutionStatus{"SELECT status FROM executions WHERE id = ?"};
const Query kPipelineInWorkflow{"SELECT status FROM pipelines WHERE id = ? AND workflow_id = ?"};
const Query kStageInWorkflow{
    "SELECT s.status FROM stages s JOIN pipelines p ON p.id = s.pipeline_id WHERE s.id = ? AND p.workflow_id = ?"};
const Query kExecutionInWorkflow{
    "SELECT e.status FROM executions e JOIN stages s ON s.id = e.stage_id JOIN pipelines p ON p.id = s.pipeline_id"
    " WHERE e.id = ? AND p.workflow_id = ?"};
#define FACTORY_SET_NODE_STATUS(table, extra)                                                                       \
  "UPDATE " table " SET status = ?, status_reason = ?, started_at = COALESCE(started_at, ?), finished_at = ?" extra \
  " WHERE id = ? AND status = ?"
const Query kUpdatePipeline{FACTORY_SET_NODE_STATUS("pipelines", "")};
const Query kUpdateStage{FACTORY_SET_NODE_STATUS("stages", "")};
const Query kUpdateExecution{FACTORY_SET_NODE_STATUS("executions", ", exit_code = COALESCE(?, exit_code)")};
#undef FACTORY_SET_NODE_STATUS

const NodeTable kPipelines{"pipeline", kPipelineStatus, kPipelineInWorkflow, kUpdatePipeline, false};
const NodeTable kStages{"stage", kStageStatus, kStageInWorkflow, kUpdateStage, false};
const NodeTable kExecutions{"execution", kExecutionStatus, kExecutionInWorkflow, kUpdateExecution, true};

const NodeTable& table_of(TreeNode node) {
  switch (node) {
    case TreeNode::Pipeline: return kPipelines;
    case TreeNode::Stage: return kStages;
    case TreeNode::Execution: return kExecutions;
  }
  return kExecutions;
}

// A node a report names, as it is before the report.
struct ReportedNode {
  const NodeTable* table;
  core::Status status;
};

// Conflict unless core::can_transition lets node `key` of `table` go `from` → `to`.
Status check_transition(const NodeTable& table, const std::string& key, core::Status from, core::Status to) {
  if (core::can_transition(from, to)) return {};
  return conflict(std::string(table.noun) + " " + key + " is " + std::string(core::to_string(from)) +
                  " and cannot become " + std::string(core::to_string(to)));
}

std::string finished_node(const std::string& noun, const std::string& key, core::Status status) {
  return noun + " " + key + " is finished (" + std::string(core::to_string(status)) + ")";
}

// Reads the seven node columns starting at `first` into any tree node.
template <class Node>
Node read_node(const Row& row, int first) {
  Node node;
  node.id = row.text(first);
  node.position = static_cast<int>(row.integer(first + 1));
  node.name = row.text(first + 2);
  node.status = read_status(row, first + 3);
  node.status_reason = row.text(first + 4);
  node.started_at = optional_time(row, first + 5);
  node.finished_at = optional_time(row, first + 6);
  return node;
}

// An execution of the rows kExecutionsOf and kExecutionById select.
Execution read_execution(const Row& row) {
  Execution execution = read_node<Execution>(row, 1);
  if (!row.is_null(8)) execution.exit_code = static_cast<int>(row.integer(8));
  execution.kept_from = row.text(9);
  execution.rerun_of = row.text(10);
  return execution;
}

struct Place {
  std::size_t pipeline;
  std::size_t stage;
};

Result<std::vector<Pipeline>> read_tree(Connection& connection, std::string_view workflow_id) {
  std::vector<Pipeline> pipelines;
  std::unordered_map<std::string, std::size_t> pipeline_at;
  std::unordered_map<std::string, Place> stage_at;
  auto done = connection.execute(kPipelinesOf, {workflow_id}, [&](const Row& row) {
    pipelines.push_back(read_node<Pipeline>(row, 0));
    pipelines.back().depends_on = decode_strings(row.text(7));
    pipeline_at.emplace(pipelines.back().id, pipelines.size() - 1);
  });
  if (!done) return done.error();
  done = connection.execute(kStagesOf, {workflow_id}, [&](const Row& row) {
    std::size_t p = pipeline_at.at(std::string(row.text(0)));
    pipelines[p].stages.push_back(read_node<Stage>(row, 1));
    stage_at.emplace(pipelines[p].stages.back().id, Place{p, pipelines[p].stages.size() - 1});
  });
  if (!done) return done.error();
  done = connection.execute(kExecutionsOf, {workflow_id}, [&](const Row& row) {
    Place place = stage_at.at(std::string(row.text(0)));
    pipelines[place.pipeline].stages[place.stage].executions.push_back(read_execution(row));
  });
  if (!done) return done.error();
  return pipelines;
}

Status check_plan_names(const core::Plan& plan) {
  for (const core::PipelineSpec& pipeline : plan.pipelines) {
    if (auto checked = check_name("pipeline name", pipeline.name); !checked) return checked;
    if (!pipeline.concurrency.empty())
      if (auto checked = check_name("concurrency group", pipeline.concurrency); !checked) return checked;
    if (!pipeline.environment.empty() && !core::is_environment_name(pipeline.environment))
      return invalid("environment '" + pipeline.environment.substr(0, 100) + "' of pipeline '" + pipeline.name +
                     "' is not an environment name");
    for (const core::StageSpec& stage : pipeline.stages) {
      if (auto checked = check_name("stage name", stage.name); !checked) return checked;
      for (const core::ExecutionSpec& execution : stage.executions)
        if (auto checked = check_name("execution name", execution.name); !checked) return checked;
    }
  }
  for (const core::SkippedPipeline& skipped : plan.skipped)
    if (auto checked = check_name("pipeline name", skipped.name); !checked) return checked;
  return {};
}

// What a rerun's plan takes from the workflow it repeats (empty for other
// workflows): that workflow's executions by pipeline, stage and name, and
// the ids of those the rerun keeps.
struct EarlierRun {
  using Place = std::tuple<std::string, std::string, std::string>;
  std::string workflow_id;
  std::map<Place, Execution> executions;
  std::set<std::string> kept;

  const Execution* find(const Place& place) const {
    auto found = executions.find(place);
    return found == executions.end() ? nullptr : &found->second;
  }
};

Result<EarlierRun> read_earlier_run(Connection& connection, const Workflow& workflow) {
  EarlierRun earlier{workflow.origin.rerun_of, {}, {}};
  if (earlier.workflow_id.empty()) return earlier;
  auto pipelines = read_tree(connection, earlier.workflow_id);
  if (!pipelines) return pipelines.error();
  for (Pipeline& pipeline : *pipelines)
    for (Stage& stage : pipeline.stages)
      for (Execution& execution : stage.executions)
        earlier.executions.emplace(EarlierRun::Place{pipeline.name, stage.name, execution.name}, std::move(execution));
  auto done = connection.execute(kKeptExecutionsOf, {workflow.id},
                                 [&](const Row& row) { earlier.kept.emplace(row.text(0)); });
  if (!done) return done.error();
  return earlier;
}

// A new execution: queued, or in a rerun with the result it keeps.
Status insert_execution(Connection& connection, const std::string& stage_id, int position, const std::string& name,
                        const EarlierRun& earlier, const Execution* before, std::int64_t now_ms) {
  const std::string id = core::Uuid::new_v7().to_string();
  Result<std::int64_t> done = 0;
  if (!before) {
    done = connection.execute(kInsertExecution, {id, stage_id, position, name, "queued", "", std::nullopt,
                                                 std::nullopt, std::nullopt, std::nullopt});
  } else if (const std::string& ran = before->kept_from.empty() ? before->id : before->kept_from;
             !earlier.kept.contains(before->id) || !core::is_final(before->status)) {
    done = connection.execute(kInsertExecution, {id, stage_id, position, name, "queued", "", std::nullopt,
                                                 std::nullopt, std::nullopt, ran});
  } else {
    // A kept execution points on to the one that ran, and keeps its reason
    // when that one was kept already.
    const std::string reason =
        before->kept_from.empty() ? "kept from workflow " + earlier.workflow_id : before->status_reason;
    const Param exit_code = before->exit_code ? Param(*before->exit_code) : Param(std::nullopt);
    done = connection.execute(kInsertExecution, {id, stage_id, position, name, core::to_string(before->status),
                                                 clip_reason(reason), exit_code, now_ms, ran, std::nullopt});
  }
  if (!done) return done.error();
  return {};
}

Status insert_stages(Connection& connection, const std::string& pipeline_id, const core::PipelineSpec& pipeline,
                     const EarlierRun& earlier) {
  const std::int64_t now_ms = to_millis(now());
  for (std::size_t s = 0; s < pipeline.stages.size(); ++s) {
    const core::StageSpec& stage = pipeline.stages[s];
    std::string stage_id = core::Uuid::new_v7().to_string();
    auto inserted = connection.execute(kInsertStage, {stage_id, pipeline_id, static_cast<int>(s), stage.name});
    if (!inserted) return inserted.error();
    for (std::size_t e = 0; e < stage.executions.size(); ++e) {
      const std::string& name = stage.executions[e].name;
      const Execution* before = earlier.find({pipeline.name, stage.name, name});
      if (auto done = insert_execution(connection, stage_id, static_cast<int>(e), name, earlier, before, now_ms); !done)
        return done;
    }
  }
  return {};
}

Status insert_plan(Connection& connection, const Workflow& workflow, const core::Plan& plan) {
  auto earlier = read_earlier_run(connection, workflow);
  if (!earlier) return earlier.error();
  const std::string& workflow_id = workflow.id;
  int position = 0;
  for (const core::PipelineSpec& pipeline : plan.pipelines) {
    std::string id = core::Uuid::new_v7().to_string();
    auto inserted = connection.execute(
        kInsertPipeline, {id, workflow_id, position++, pipeline.name, encode_strings(pipeline.depends_on), "queued", "",
                          std::nullopt, optional_text(pipeline.concurrency), pipeline.cancel_in_progress ? 1 : 0,
                          optional_text(pipeline.environment)});
    if (!inserted) return inserted.error();
    if (auto stages = insert_stages(connection, id, pipeline, *earlier); !stages) return stages;
  }
  std::int64_t at = to_millis(now());
  for (const core::SkippedPipeline& skipped : plan.skipped) {
    auto inserted = connection.execute(kInsertPipeline, {core::Uuid::new_v7().to_string(), workflow_id, position++,
                                                         skipped.name, "[]", "skipped", clip_reason(skipped.reason), at,
                                                         std::nullopt, 0, std::nullopt});
    if (!inserted) return inserted.error();
  }
  return {};
}

}  // namespace

Result<WorkflowTree> SqlStore::get_workflow_tree(std::string_view id) {
  auto key = checked_id(id);
  if (!key) return key.error();
  return with_connection([&](Connection& connection) -> Result<WorkflowTree> {
    auto workflow = select_workflow(connection, *key);
    if (!workflow) return workflow.error();
    auto pipelines = read_tree(connection, *key);
    if (!pipelines) return pipelines.error();
    return WorkflowTree{std::move(*workflow), std::move(*pipelines)};
  });
}

Result<Execution> SqlStore::get_execution(std::string_view id) {
  auto key = checked_id(id);
  if (!key) return key.error();
  return with_connection([&](Connection& connection) -> Result<Execution> {
    std::optional<Execution> execution;
    auto done = connection.execute(kExecutionById, {*key}, [&](const Row& row) { execution = read_execution(row); });
    if (!done) return done.error();
    if (!execution) return not_found("no execution " + *key);
    return std::move(*execution);
  });
}

Result<std::string> SqlStore::project_of_workflow(std::string_view workflow_id) {
  return project_of(kProjectOfWorkflow, "workflow", workflow_id);
}

Result<std::string> SqlStore::project_of_execution(std::string_view execution_id) {
  return project_of(kProjectOfExecution, "execution", execution_id);
}

Result<std::string> SqlStore::project_of(const Query& query, std::string_view noun, std::string_view id) {
  auto key = checked_id(id);
  if (!key) return key.error();
  return with_connection([&](Connection& connection) -> Result<std::string> {
    std::string project_id;
    auto done = connection.execute(query, {*key}, [&](const Row& row) { project_id = std::string{row.text(0)}; });
    if (!done) return done.error();
    if (project_id.empty()) return not_found("no " + std::string{noun} + " " + *key);
    return project_id;
  });
}

Result<WorkflowTree> SqlStore::record_plan(std::string_view workflow_id, const core::Plan& plan) {
  auto key = checked_id(workflow_id);
  if (!key) return key.error();
  if (auto checked = check_plan_names(plan); !checked) return checked.error();
  return in_transaction([&](Connection& connection) -> Result<WorkflowTree> {
    // Two recorders of one workflow take turns, so the second sees the first's plan.
    if (auto locked = connection.execute(kLockWorkflow, {*key}); !locked) return locked.error();
    auto workflow = select_workflow(connection, *key);
    if (!workflow) return workflow.error();
    if (core::is_final(workflow->status))
      return conflict("workflow " + *key + " is " + std::string(core::to_string(workflow->status)) +
                      "; its plan can no longer be recorded");
    std::int64_t existing = 0;
    auto counted = connection.execute(kCountPipelines, {*key}, [&](const Row& row) { existing = row.integer(0); });
    if (!counted) return counted.error();
    if (existing > 0) return conflict("workflow " + *key + " already has its plan");
    if (auto inserted = insert_plan(connection, *workflow, plan); !inserted) return inserted.error();
    auto pipelines = read_tree(connection, *key);
    if (!pipelines) return pipelines.error();
    if (queue_statuses_)
      for (const Pipeline& pipeline : *pipelines)
        if (auto queued = queue_commit_status(connection, *key, pipeline.name, pipeline.status, pipeline.status_reason);
            !queued)
          return queued.error();
    return WorkflowTree{std::move(*workflow), std::move(*pipelines)};
  });
}

Status SqlStore::set_node_status(const NodeTable& table, std::string_view id, const StatusChange& change) {
  auto key = checked_id(id);
  if (!key) return key.error();
  std::string noun = table.noun;
  return in_transaction([&](Connection& connection) -> Status {
    std::optional<core::Status> from;
    auto found = connection.execute(table.status_by_id, {*key}, [&](const Row& row) { from = read_status(row, 0); });
    if (!found) return found.error();
    if (!from) return not_found("no " + noun + " " + *key);
    if (auto allowed = check_transition(table, *key, *from, change.status); !allowed) return allowed;
    return write_node_status(connection, table, *key, *from, change);
  });
}

Status SqlStore::write_node_status(Connection& connection, const NodeTable& table, const std::string& key,
                                   core::Status from, const StatusChange& change) {
  std::int64_t at = to_millis(change.at.value_or(now()));
  Param started = change.status == core::Status::Running ? Param(at) : Param(std::nullopt);
  Param finished = core::is_final(change.status) ? Param(at) : Param(std::nullopt);
  Param exit_code = change.exit_code ? Param(*change.exit_code) : Param(std::nullopt);
  std::string status(core::to_string(change.status)), reason = clip_reason(change.reason);
  std::string expected(core::to_string(from));
  auto updated = table.has_exit_code
                     ? connection.execute(table.update, {status, reason, started, finished, exit_code, key, expected})
                     : connection.execute(table.update, {status, reason, started, finished, key, expected});
  if (!updated) return updated.error();
  if (*updated == 0) return conflict(std::string(table.noun) + " " + key + " changed status meanwhile; read it again");
  if (queue_statuses_ && &table == &kPipelines && core::is_final(change.status))
    return queue_pipeline_status(connection, key, change);
  return {};
}

Status SqlStore::record_report(std::string_view workflow_id, const TreeReport& report) {
  auto workflow = checked_id(workflow_id);
  if (!workflow) return workflow.error();
  for (const ExecutionLines& log : report.logs)
    if (auto checked = check_log_lines(log.lines); !checked) return checked;
  for (const ExecutionTests& tests : report.tests)
    if (auto checked = check_test_results(tests.results); !checked) return checked;
  return in_transaction([&](Connection& connection) -> Status {
    // First every node the report names, each read once, by key and as this
    // workflow's: nothing is written before all of the report is checked.
    std::unordered_map<std::string, ReportedNode> nodes;
    auto look_up = [&](const NodeTable& table, std::string_view id) -> Result<std::string> {
      auto key = checked_id(id);
      if (!key) return key.error();
      const std::string not_ours = std::string(table.noun) + " " + *key + " is not part of workflow " + *workflow;
      if (auto known = nodes.find(*key); known != nodes.end()) {
        if (known->second.table != &table) return not_found(not_ours);
        return std::move(*key);
      }
      std::optional<core::Status> status;
      auto found = connection.execute(table.status_in_workflow, {*key, *workflow},
                                      [&](const Row& row) { status = read_status(row, 0); });
      if (!found) return found.error();
      if (!status) return not_found(not_ours);
      nodes.emplace(*key, ReportedNode{&table, *status});
      return std::move(*key);
    };

    std::vector<std::pair<std::string, const std::vector<LogLine>*>> appends;
    for (const ExecutionLines& log : report.logs) {
      auto key = look_up(kExecutions, log.execution_id);
      if (!key) return key.error();
      const core::Status status = nodes.at(*key).status;
      if (!core::is_final(status)) {
        appends.emplace_back(*key, &log.lines);
        continue;
      }
      auto last = last_log_seq(connection, *key);
      if (!last) return last.error();
      for (const LogLine& line : log.lines)
        if (line.seq > *last) return conflict(finished_node("execution", *key, status) + "; it takes no more log lines");
    }

    std::vector<std::string> tested;  // of report.tests, in order
    for (const ExecutionTests& tests : report.tests) {
      auto key = look_up(kExecutions, tests.execution_id);
      if (!key) return key.error();
      tested.push_back(std::move(*key));
    }

    std::vector<std::string> keys;  // of report.changes, in order
    std::unordered_map<std::string, core::Status> last_reported;
    for (const NodeStatusChange& change : report.changes) {
      auto key = look_up(table_of(change.node), change.id);
      if (!key) return key.error();
      last_reported[*key] = change.change.status;
      keys.push_back(std::move(*key));
    }
    std::vector<std::size_t> writes;  // indexes into report.changes
    std::vector<core::Status> froms;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      ReportedNode& node = nodes.at(keys[i]);
      const core::Status to = report.changes[i].change.status;
      if (to == node.status) continue;  // as it is, or sent again
      if (core::is_final(node.status)) {
        if (last_reported.at(keys[i]) == node.status) continue;  // its changes were applied before
        return conflict(finished_node(node.table->noun, keys[i], node.status) + "; it cannot become " +
                        std::string(core::to_string(to)));
      }
      if (auto allowed = check_transition(*node.table, keys[i], node.status, to); !allowed) return allowed;
      writes.push_back(i);
      froms.push_back(node.status);
      node.status = to;
    }

    for (const auto& [key, lines] : appends)
      if (auto inserted = insert_log_lines(connection, key, *lines); !inserted) return inserted;
    for (std::size_t t = 0; t < tested.size(); ++t)
      if (auto replaced = replace_test_results(connection, *workflow, tested[t], report.tests[t].results); !replaced)
        return replaced;
    for (std::size_t w = 0; w < writes.size(); ++w) {
      const std::size_t i = writes[w];
      if (auto written = write_node_status(connection, *nodes.at(keys[i]).table, keys[i], froms[w],
                                           report.changes[i].change);
          !written)
        return written;
    }
    return {};
  });
}

Status SqlStore::set_pipeline_status(std::string_view id, const StatusChange& change) {
  return set_node_status(kPipelines, id, change);
}

Status SqlStore::set_stage_status(std::string_view id, const StatusChange& change) {
  return set_node_status(kStages, id, change);
}

Status SqlStore::set_execution_status(std::string_view id, const StatusChange& change) {
  return set_node_status(kExecutions, id, change);
}

}  // namespace store
