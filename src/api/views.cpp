#include "api/views.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

#include "protocol/protocol.h"

namespace api {

namespace {

// The fields pipelines, stages and executions share.
template <class Node>
nlohmann::json node_view(const Node& node) {
  return {{"id", node.id},
          {"name", node.name},
          {"status", core::to_string(node.status)},
          {"status_reason", node.status_reason},
          {"started_at", optional_timestamp(node.started_at)},
          {"finished_at", optional_timestamp(node.finished_at)}};
}

nlohmann::json execution_view(const store::Execution& execution) {
  nlohmann::json view = node_view(execution);
  view["exit_code"] = execution.exit_code ? nlohmann::json(*execution.exit_code) : nlohmann::json(nullptr);
  view["kept_from"] = optional_text(execution.kept_from);
  view["rerun_of"] = optional_text(execution.rerun_of);
  return view;
}

nlohmann::json stage_view(const store::Stage& stage) {
  nlohmann::json view = node_view(stage);
  view["executions"] = nlohmann::json::array();
  for (const auto& execution : stage.executions) view["executions"].push_back(execution_view(execution));
  return view;
}

nlohmann::json pipeline_view(const store::Pipeline& pipeline) {
  nlohmann::json view = node_view(pipeline);
  view["depends_on"] = pipeline.depends_on;
  view["stages"] = nlohmann::json::array();
  for (const auto& stage : pipeline.stages) view["stages"].push_back(stage_view(stage));
  return view;
}

}  // namespace

nlohmann::json optional_timestamp(const std::optional<store::Timestamp>& time) {
  return time ? nlohmann::json(timestamp_text(*time)) : nlohmann::json(nullptr);
}

nlohmann::json optional_text(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json seed_project_view(const store::Project& project) {
  return {{"id", project.id}, {"owner", project.owner_name}, {"project", project.name}, {"url", project.url}};
}

nlohmann::json project_view(const store::Project& project) {
  nlohmann::json view{{"id", project.id},
                      {"name", project.name},
                      {"owner", {{"id", project.owner_id}, {"name", project.owner_name}}},
                      {"url", project.url},
                      {"cancel_superseded_pushes", project.cancel_superseded_pushes},
                      {"cancel_superseded_pull_requests", project.cancel_superseded_pull_requests},
                      {"public", project.is_public},
                      {"fork_pr_approval", store::to_string(project.fork_pr_approval)},
                      {"cache_limit_bytes", project.cache_limit_bytes},
                      {"artifact_retention_days", project.artifact_retention_days},
                      {"default_branch", project.default_branch},
                      {"created_at", timestamp_text(project.created_at)},
                      {"updated_at", timestamp_text(project.updated_at)}};
  if (project.github_hook_id) view["github_hook_id"] = *project.github_hook_id;
  return view;
}

http::Response project_created(nlohmann::json view, const store::Project& project, const std::string& location) {
  view["webhook_secret"] = project.webhook_secret;
  http::Response response = http::Response::json(201, view);
  response.headers.set("Location", location);
  return response;
}

nlohmann::json owner_view(const store::Owner& owner) {
  return {{"id", owner.id}, {"name", owner.name}, {"created_at", timestamp_text(owner.created_at)}};
}

namespace {

// What a rerun runs again; null for a workflow that is none.
nlohmann::json rerun_view(const store::WorkflowOrigin& origin) {
  if (origin.rerun_of.empty()) return nullptr;
  return {{"selection", store::to_string(origin.rerun_selection)},
          {"execution", optional_text(origin.rerun_execution)}};
}

}  // namespace

nlohmann::json workflow_view(const store::Workflow& workflow) {
  return {{"id", workflow.id},
          {"project_id", workflow.project_id},
          {"delivery_id", workflow.delivery_id},
          {"event", event_view(workflow.event)},
          {"status", core::to_string(workflow.status)},
          {"status_reason", workflow.status_reason},
          {"attempt", workflow.attempt},
          {"created_at", timestamp_text(workflow.created_at)},
          {"started_at", optional_timestamp(workflow.started_at)},
          {"finished_at", optional_timestamp(workflow.finished_at)},
          {"actors", {{"triggered_by", optional_text(workflow.origin.triggered_by)},
                      {"cancelled_by", optional_text(workflow.cancelled_by)},
                      {"rerun_of", optional_text(workflow.origin.rerun_of)}}},
          {"rerun", rerun_view(workflow.origin)}};
}

nlohmann::json approval_view(const store::Workflow& workflow, const store::Project& project,
                             const std::vector<std::string>& may_approve) {
  return {{"required", workflow.approval_required},
          {"approved_by", optional_text(workflow.approved_by)},
          {"approved_at", optional_timestamp(workflow.approved_at)},
          {"may_approve", may_approve},
          {"note", "users with write access to " + project.owner_name + "/" + project.name +
                       ", on GitHub or granted in FactoryCI"}};
}

nlohmann::json event_view(const core::Event& event) {
  core::Event summary{.name = event.name,
                      .branch = event.branch,
                      .target_branch = event.target_branch,
                      .tag = event.tag,
                      .sha = event.sha,
                      .from_fork = event.from_fork,
                      .inputs = event.inputs};
  nlohmann::json view = protocol::to_json(std::move(summary));
  view.erase("changed_paths");
  return view;
}

nlohmann::json workflow_tree_view(const store::WorkflowTree& tree) {
  nlohmann::json view = workflow_view(tree.workflow);
  view["event"]["changed_paths"] = tree.workflow.event.changed_paths;
  view["pipelines"] = nlohmann::json::array();
  for (const auto& pipeline : tree.pipelines) view["pipelines"].push_back(pipeline_view(pipeline));
  return view;
}

nlohmann::json log_line_view(const store::LogLine& line) {
  return {{"seq", line.seq}, {"stream", store::to_string(line.stream)}, {"at", timestamp_text(line.at)},
          {"text", line.text}};
}

nlohmann::json secret_view(const store::SecretInfo& secret) {
  return {{"name", secret.name},
          {"events", secret.scope.events},
          {"branches", secret.scope.branches},
          {"pipelines", secret.scope.pipelines},
          {"created_at", timestamp_text(secret.created_at)},
          {"updated_at", timestamp_text(secret.updated_at)}};
}

nlohmann::json audit_entry_view(const store::AuditEntry& entry) {
  return {{"id", entry.id},
          {"at", timestamp_text(entry.at)},
          {"actor", entry.actor},
          {"action", entry.action},
          {"project_id", optional_text(entry.project_id)},
          {"detail", entry.detail},
          {"address", entry.address}};
}

nlohmann::json page_view(nlohmann::json items, const std::string& next) {
  return {{"items", std::move(items)}, {"next", optional_text(next)}};
}

std::string timestamp_text(store::Timestamp time) {
  const auto millis = time.time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];  // room for any int the compiler can imagine
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis % 1000));
  return text;
}

}  // namespace api
