#include "agent/workflow_reporter.h"

#include <cstdio>

namespace agent {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kSendInterval = 100ms;
constexpr std::size_t kBatchBytes = 512 * 1024;  // send at once beyond this
// Lines of one execution in one batch: the server stores at most 10,000 at
// a time, and a program can print far more than that between two sends.
constexpr std::size_t kBatchLines = 5000;

std::int64_t millis(runner::TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// When a node's status last changed: its end once it has one, else its start.
template <class Result>
std::int64_t when(const Result& result) {
  const runner::TimePoint time = core::is_final(result.status) ? result.finished : result.started;
  return millis(time == runner::TimePoint{} ? runner::Clock::now() : time);
}

std::string execution_reason(const runner::ExecutionResult& result) {
  if (!result.error.empty()) return result.error;
  if (result.timed_out) return "timed out";
  if (result.status == core::Status::Failure) return "exit code " + std::to_string(result.exit_code);
  return {};
}

}  // namespace

PlanIds plan_ids_from_json(const json& answer) {
  PlanIds ids;
  for (const json& pipeline : answer.value("pipelines", json::array())) {
    PipelineIds pipeline_ids{pipeline.value("id", ""), {}};
    for (const json& stage : pipeline.value("stages", json::array()))
      pipeline_ids.stages.push_back({stage.value("id", ""), stage.value("executions", std::vector<std::string>{})});
    ids.push_back(std::move(pipeline_ids));
  }
  return ids;
}

WorkflowReporter::WorkflowReporter(const ClientConfig& client, std::string workflow_id, PlanIds ids,
                                   runner::CancelHandle& cancel)
    : client_{client},
      path_{"/api/v1/agent/workflows/" + workflow_id + "/events"},
      ids_{std::move(ids)},
      cancel_{cancel},
      sender_{[this] { send_loop(); }} {}

WorkflowReporter::~WorkflowReporter() { finish(); }

void WorkflowReporter::pipeline_changed(std::size_t pipeline, const runner::PipelineResult& result) {
  change("pipeline", ids_.at(pipeline).id, result.status, when(result), result.timed_out ? "timed out" : "");
}

void WorkflowReporter::stage_changed(std::size_t pipeline, std::size_t stage, const runner::StageResult& result) {
  change("stage", ids_.at(pipeline).stages.at(stage).id, result.status, when(result));
}

void WorkflowReporter::execution_changed(runner::ExecutionId id, const runner::ExecutionResult& result) {
  const std::string& execution = ids_.at(id.pipeline).stages.at(id.stage).executions.at(id.execution);
  std::optional<int> exit_code;
  if (core::is_final(result.status) && result.attempts > 0 && result.exit_code >= 0) exit_code = result.exit_code;
  change("execution", execution, result.status, when(result), execution_reason(result), exit_code);
}

void WorkflowReporter::output(const runner::OutputLines& output) {
  const std::string& execution =
      ids_.at(output.execution.pipeline).stages.at(output.execution.stage).executions.at(output.execution.execution);
  std::int64_t& seq = next_seq_[execution];
  const char* stream = output.stream == runner::Stream::Stderr ? "stderr" : "stdout";
  const std::int64_t at = millis(output.time);
  json entries = json::array();
  std::size_t bytes = 0;
  for (std::string_view line : output.lines) {
    std::string text{line};
    bytes += text.size() + 64;
    entries.push_back({{"seq", ++seq}, {"stream", stream}, {"at", at}, {"text", std::move(text)}});
  }
  std::lock_guard lock{mutex_};
  auto [it, added] = lines_.try_emplace(execution, json::array());
  for (auto& entry : entries) it->second.push_back(std::move(entry));
  pending_bytes_ += bytes;
  if (pending_bytes_ >= kBatchBytes) wake_.notify_one();
}

void WorkflowReporter::change(const char* node, const std::string& id, core::Status status, std::int64_t at,
                              std::string reason, std::optional<int> exit_code) {
  auto [it, added] = reported_.try_emplace(id, core::Status::Queued);
  if (!added && it->second == status) return;
  if (added && status == core::Status::Queued) return;  // the plan recorded it queued
  it->second = status;
  json entry = {
      {"node", node}, {"id", id}, {"status", core::to_string(status)}, {"at", at}, {"reason", std::move(reason)}};
  if (exit_code) entry["exit_code"] = *exit_code;
  std::lock_guard lock{mutex_};
  changes_.push_back(std::move(entry));
}

void WorkflowReporter::finish() {
  {
    std::lock_guard lock{mutex_};
    finishing_ = true;
  }
  wake_.notify_one();
  if (sender_.joinable()) sender_.join();
}

json WorkflowReporter::take_batch() {
  json logs = json::array();
  bool lines_left = false;
  for (auto it = lines_.begin(); it != lines_.end();) {
    json& lines = it->second;
    if (lines.size() <= kBatchLines) {
      logs.push_back({{"execution", it->first}, {"lines", std::move(lines)}});
      it = lines_.erase(it);
      continue;
    }
    const auto end = lines.begin() + static_cast<std::ptrdiff_t>(kBatchLines);
    logs.push_back({{"execution", it->first}, {"lines", json(lines.begin(), end)}});
    lines.erase(lines.begin(), end);
    lines_left = true;
    ++it;
  }
  // The server stores a batch's lines before its changes: changes wait for
  // the last of the lines written before them, so an ended execution's log
  // is whole when viewers are told it ended.
  json changes = lines_left ? json::array() : std::exchange(changes_, json::array());
  pending_bytes_ = lines_left ? kBatchBytes : 0;  // send the rest at once
  return {{"changes", std::move(changes)}, {"logs", std::move(logs)}};
}

void WorkflowReporter::send_loop() {
  ServerClient client{client_, [this] { return lease_lost_.load(); }};
  for (;;) {
    json batch;
    bool last = false;
    {
      std::unique_lock lock{mutex_};
      wake_.wait_for(lock, kSendInterval, [this] { return finishing_ || pending_bytes_ >= kBatchBytes; });
      last = finishing_;
      if (changes_.empty() && lines_.empty()) {
        if (last) return;
        continue;
      }
      batch = take_batch();
    }
    const Reply reply = client.post_until_answered(path_, batch);
    if (reply.status == 409) {
      lease_lost_ = true;
      cancel_.cancel();
    } else if (reply.status >= 400) {
      std::fprintf(stderr, "factory agent: the server refused a batch of events (%ld): %s\n", reply.status,
                   reply.body.dump().c_str());
    } else if (reply.body.value("cancel", false)) {
      cancel_.cancel();
    }
    if (lease_lost_ && last) return;
  }
}

}  // namespace agent
