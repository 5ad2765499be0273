// The JSON shapes the API answers with. Webhook secrets appear only where a
// caller passes them explicitly (the response to a creation).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "http/response.h"
#include "store/store.h"

namespace api {

// {"id", "owner", "project", "url"}: the seed endpoints' shape.
nlohmann::json seed_project_view(const store::Project& project);
// {"id", "name", "owner": {"id", "name"}, "url", "cancel_superseded_pushes",
// "cancel_superseded_pull_requests", "public", "fork_pr_approval", "github_hook_id"?, "created_at", "updated_at"}
nlohmann::json project_view(const store::Project& project);
// 201 Created for a new project: `view` plus its webhook secret, shown this
// once and never again, and a Location header pointing at `location`.
http::Response project_created(nlohmann::json view, const store::Project& project, const std::string& location);
// {"id", "name", "created_at"}
nlohmann::json owner_view(const store::Owner& owner);
// An event as lists and answers show it: without its changed paths, which
// can be hundreds of thousands (protocol::to_json, less "changed_paths").
nlohmann::json event_view(const core::Event& event);
// As lists show a workflow: {"id", "project_id", "delivery_id", "event"
// (event_view), "status", "status_reason", "attempt", "created_at",
// "started_at", "finished_at", "actors": {"triggered_by", "cancelled_by",
// "rerun_of"}, "rerun": {"selection", "execution"} for a rerun, else null};
// unset times and actors are null.
nlohmann::json workflow_view(const store::Workflow& workflow);
// {"required", "approved_by", "approved_at", "may_approve", "note"}: whether a
// workflow waited (or waits) for approval (a pull request from a fork,
// docs/people.md), who approved it and when (null until then), the logins
// that may approve it, and in words who may.
nlohmann::json approval_view(const store::Workflow& workflow, const store::Project& project,
                             const std::vector<std::string>& may_approve);
// workflow_view with the event's "changed_paths", and "pipelines": [{"id", "name", "status", "status_reason",
// "started_at", "finished_at", "depends_on", "stages": [{… "executions": [{… "exit_code", "kept_from",
// "rerun_of"}]}]}]
nlohmann::json workflow_tree_view(const store::WorkflowTree& tree);
// {"seq", "stream", "at", "text"}
nlohmann::json log_line_view(const store::LogLine& line);
// {"name", "created_at", "updated_at"}: never the value.
nlohmann::json secret_view(const store::SecretInfo& secret);
// {"id", "at", "actor", "action", "project_id" (null for none), "detail", "address"}
nlohmann::json audit_entry_view(const store::AuditEntry& entry);
// {"items": [...], "next": "<id>" or null}: pass `next` as ?after= for more.
nlohmann::json page_view(nlohmann::json items, const std::string& next);

// "2026-11-25T05:30:00.123Z"
std::string timestamp_text(store::Timestamp time);
// The same, or null for none; and a name or id the store keeps empty for none, or null.
nlohmann::json optional_timestamp(const std::optional<store::Timestamp>& time);
nlohmann::json optional_text(const std::string& text);

}  // namespace api
