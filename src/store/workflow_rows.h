// Reading and writing workflow rows: shared by the workflow operation files
// of SqlStore (workflows.cpp, workflow_queue.cpp, workflow_tree.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql_store.h"

namespace store {

// The columns read_workflow expects, in its order.
#define FACTORY_WORKFLOW_COLUMNS                                                                            \
  "id, project_id, delivery_id, event, branch, target_branch, tag, sha, from_fork, changed_paths, status, " \
  "status_reason, attempt, lease_owner, lease_expires_at, created_at, started_at, finished_at, "            \
  "cancel_requested_at, triggered_by, rerun_of, cancelled_by, approval_required, approved_by, approved_at, " \
  "schedule, rerun_selection, rerun_execution, inputs "

// The same for lists: '[]' for the changed paths, which can be hundreds of
// thousands and which only one workflow's view shows.
#define FACTORY_LISTED_WORKFLOW_COLUMNS                                                                   \
  "id, project_id, delivery_id, event, branch, target_branch, tag, sha, from_fork, '[]', status, "        \
  "status_reason, attempt, lease_owner, lease_expires_at, created_at, started_at, finished_at, "            \
  "cancel_requested_at, triggered_by, rerun_of, cancelled_by, approval_required, approved_by, approved_at, " \
  "schedule, rerun_selection, rerun_execution, inputs "

Workflow read_workflow(const Row& row);
core::Status read_status(const Row& row, int column);
std::optional<RerunSelection> parse_rerun_selection(std::string_view text);

Result<Workflow> select_workflow(Connection& connection, std::string_view id);

// Lists of strings (a workflow's changed paths, a pipeline's dependencies)
// are stored as JSON arrays.
std::string encode_strings(const std::vector<std::string>& strings);
std::vector<std::string> decode_strings(std::string_view json);
// A manual run's inputs are a JSON object of strings; none is NULL.
std::optional<std::string> encode_inputs(const std::map<std::string, std::string>& inputs);
std::map<std::string, std::string> decode_inputs(std::string_view json);

// Reasons are for people; very long ones (a whole error output) are cut at
// a UTF-8 character boundary, so every backend stores them as given.
std::string clip_reason(std::string_view reason);

// The pipelines, stages and executions of a workflow still queued or
// running take `status` (cancelled or error), ending now; with
// `queue_statuses`, each such pipeline's commit status is queued.
Status finish_unfinished_nodes(Connection& connection, std::string_view workflow_id, core::Status status,
                               bool queue_statuses);

// The commit status outbox (commit_statuses.cpp): a status of pipeline
// `pipeline` of a workflow (empty: of the workflow as a whole), or of the
// pipeline with id `pipeline_id`.
Status queue_commit_status(Connection& connection, std::string_view workflow_id, std::string_view pipeline,
                           core::Status status, std::string_view reason);
Status queue_pipeline_status(Connection& connection, std::string_view pipeline_id, const StatusChange& change);

// Test results (test_results.cpp): within core/test_results.h's bounds;
// replacing an execution's, in the caller's transaction.
Status check_test_results(const core::TestResults& results);
Status replace_test_results(Connection& connection, const std::string& workflow_id, const std::string& execution_id,
                            const core::TestResults& results);

// The id is a UUID, in canonical form.
Result<std::string> checked_id(std::string_view id);

}  // namespace store
