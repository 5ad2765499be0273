#include "store/workflow_rows.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "hcl/value.h"

namespace store {

namespace {

constexpr std::size_t kMaxReasonBytes = 4096;

const Query kWorkflowById{"SELECT " FACTORY_WORKFLOW_COLUMNS "FROM workflows WHERE id = ?"};

// Each level of the tree below a workflow, unfinished nodes only.
const Query kFinishExecutions{
    "UPDATE executions SET status = ?, finished_at = ? WHERE status IN ('queued', 'running') AND stage_id IN"
    " (SELECT s.id FROM stages s JOIN pipelines p ON p.id = s.pipeline_id WHERE p.workflow_id = ?)"};
const Query kFinishStages{
    "UPDATE stages SET status = ?, finished_at = ? WHERE status IN ('queued', 'running') AND pipeline_id IN"
    " (SELECT id FROM pipelines WHERE workflow_id = ?)"};
const Query kUnfinishedPipelines{
    "SELECT name FROM pipelines WHERE status IN ('queued', 'running', 'waiting_for_approval') AND workflow_id = ?"
    " ORDER BY position"};
const Query kFinishPipelines{
    "UPDATE pipelines SET status = ?, finished_at = ?"
    " WHERE status IN ('queued', 'running', 'waiting_for_approval') AND workflow_id = ?"};

}  // namespace

core::Status read_status(const Row& row, int column) {
  // Only this code writes statuses; an unknown one means a newer writer.
  return core::parse_status(row.text(column)).value_or(core::Status::Error);
}

Workflow read_workflow(const Row& row) {
  Workflow workflow;
  workflow.id = row.text(0);
  workflow.project_id = row.text(1);
  workflow.delivery_id = row.text(2);
  core::Event& event = workflow.event;
  event.name = row.text(3);
  event.branch = row.text(4);
  event.target_branch = row.text(5);
  event.tag = row.text(6);
  event.sha = row.text(7);
  event.from_fork = row.integer(8) != 0;
  event.changed_paths = decode_strings(row.text(9));
  workflow.status = read_status(row, 10);
  workflow.status_reason = row.text(11);
  workflow.attempt = static_cast<int>(row.integer(12));
  workflow.lease_owner = row.text(13);
  workflow.lease_expires_at = optional_time(row, 14);
  workflow.created_at = from_millis(row.integer(15));
  workflow.started_at = optional_time(row, 16);
  workflow.finished_at = optional_time(row, 17);
  workflow.cancel_requested_at = optional_time(row, 18);
  workflow.origin.triggered_by = row.text(19);
  workflow.origin.rerun_of = row.text(20);
  workflow.cancelled_by = row.text(21);
  workflow.approval_required = row.integer(22) != 0;
  workflow.approved_by = row.text(23);
  workflow.approved_at = optional_time(row, 24);
  event.schedule = row.text(25);
  workflow.origin.rerun_selection = parse_rerun_selection(row.text(26)).value_or(RerunSelection::All);
  workflow.origin.rerun_execution = row.text(27);
  event.inputs = decode_inputs(row.text(28));
  return workflow;
}

std::string_view to_string(RerunSelection selection) {
  switch (selection) {
    case RerunSelection::All: return "all";
    case RerunSelection::Failed: return "failed";
    case RerunSelection::Execution: return "execution";
  }
  return "all";
}

std::optional<RerunSelection> parse_rerun_selection(std::string_view text) {
  for (RerunSelection selection : {RerunSelection::All, RerunSelection::Failed, RerunSelection::Execution})
    if (to_string(selection) == text) return selection;
  return std::nullopt;
}

Result<Workflow> select_workflow(Connection& connection, std::string_view id) {
  std::optional<Workflow> workflow;
  auto done = connection.execute(kWorkflowById, {id}, [&](const Row& row) { workflow = read_workflow(row); });
  if (!done) return done.error();
  if (!workflow) return not_found("no workflow " + std::string(id));
  return std::move(*workflow);
}

namespace {

bool is_ascii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::string encode_strings(const std::vector<std::string>& strings) {
  // Invalid UTF-8 (in a path) becomes U+FFFD rather than failing the write.
  if (!std::all_of(strings.begin(), strings.end(), is_ascii))
    return nlohmann::json(strings).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Nearly every path is ASCII, and every webhook's paths pass here: written
  // straight out, with no JSON document built and copied first.
  std::size_t size = 2;
  for (const std::string& each : strings) size += each.size() + 3;
  std::string text;
  text.reserve(size);
  text += '[';
  for (const std::string& each : strings) {
    if (text.size() > 1) text += ',';
    hcl::append_json_string(each, false, text);
  }
  text += ']';
  return text;
}

std::vector<std::string> decode_strings(std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> strings;
  if (!parsed.is_array()) return strings;
  for (const auto& each : parsed)
    if (each.is_string()) strings.push_back(each.get<std::string>());
  return strings;
}

std::optional<std::string> encode_inputs(const std::map<std::string, std::string>& inputs) {
  if (inputs.empty()) return std::nullopt;
  return nlohmann::json(inputs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::map<std::string, std::string> decode_inputs(std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  std::map<std::string, std::string> inputs;
  if (!parsed.is_object()) return inputs;
  for (const auto& [name, value] : parsed.items())
    if (value.is_string()) inputs[name] = value.get<std::string>();
  return inputs;
}

std::string clip_reason(std::string_view reason) {
  if (reason.size() <= kMaxReasonBytes) return std::string(reason);
  std::size_t end = kMaxReasonBytes;
  while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) --end;  // not inside a character
  return std::string(reason.substr(0, end));
}

Status queue_unfinished_pipeline_statuses(Connection& connection, std::string_view workflow_id, core::Status status) {
  std::vector<std::string> pipelines;
  auto found = connection.execute(kUnfinishedPipelines, {workflow_id},
                                  [&](const Row& row) { pipelines.emplace_back(row.text(0)); });
  if (!found) return found.error();
  for (const std::string& pipeline : pipelines)
    if (auto queued = queue_commit_status(connection, workflow_id, pipeline, status, ""); !queued) return queued;
  return {};
}

Status finish_unfinished_nodes(Connection& connection, std::string_view workflow_id, core::Status status,
                               bool queue_statuses) {
  if (queue_statuses)
    if (auto queued = queue_unfinished_pipeline_statuses(connection, workflow_id, status); !queued) return queued;
  std::string name(core::to_string(status));
  std::int64_t at = to_millis(now());
  for (const Query* query : {&kFinishExecutions, &kFinishStages, &kFinishPipelines})
    if (auto done = connection.execute(*query, {name, at, workflow_id}); !done) return done.error();
  return {};
}

Result<std::string> checked_id(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return std::move(*key);
}

}  // namespace store
