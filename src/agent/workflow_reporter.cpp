#include "agent/workflow_reporter.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace agent {

namespace {

using namespace std::chrono_literals;

constexpr auto kSendInterval = 100ms;
constexpr std::size_t kBatchBytes = 512 * 1024;  // send at once beyond this
// Lines of one execution in one batch: the server stores at most 10,000 at
// a time, and a program can print far more than that between two sends.
constexpr std::size_t kBatchLines = 5000;
// Test results of executions in one batch: each may be 2 MB at most
// (core/test_results.h), and the server takes 16 MB a call.
constexpr std::size_t kBatchTestResults = 4;

std::int64_t millis(runner::TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// When a node's status last changed: its end once it has one, else its start.
template <class Result>
std::int64_t when(const Result& result) {
  const runner::TimePoint time = core::is_final(result.status) ? result.finished : result.started;
  return millis(time == runner::TimePoint{} ? runner::Clock::now() : time);
}

// The services group's status: running while any service is, then how the
// least successful of them ended.
core::Status group_status(const std::vector<core::Status>& services) {
  using core::Status;
  bool running = false, all_final = true;
  for (Status status : services) {
    running = running || status == Status::Running;
    all_final = all_final && core::is_final(status);
  }
  if (!all_final) return running ? Status::Running : Status::Queued;
  for (Status worst : {Status::Error, Status::Failure, Status::Cancelled, Status::Success})
    if (std::find(services.begin(), services.end(), worst) != services.end()) return worst;
  return Status::Skipped;
}

std::string execution_reason(const runner::ExecutionResult& result) {
  if (!result.kept.empty()) return result.kept;
  if (!result.error.empty()) return result.error;
  if (!result.skip_reason.empty()) return result.skip_reason;
  if (result.timed_out) return "timed out";
  if (result.status == core::Status::Failure) return "exit code " + std::to_string(result.exit_code);
  return {};
}

}  // namespace

WorkflowReporter::WorkflowReporter(const ClientConfig& client, std::string workflow_id, protocol::PlanIds ids,
                                   core::SecretMask mask, runner::CancelHandle& cancel)
    : client_{client},
      path_{protocol::workflow_path(workflow_id, protocol::Call::Events)},
      ids_{std::move(ids)},
      mask_{std::move(mask)},
      cancel_{cancel},
      sender_{[this] { send_loop(); }} {}

WorkflowReporter::~WorkflowReporter() { finish(); }

void WorkflowReporter::pipeline_changed(std::size_t pipeline, const runner::PipelineResult& result) {
  change({protocol::Node::Pipeline, ids_.pipelines.at(pipeline).id, result.status, when(result),
          result.timed_out ? "timed out" : result.error.empty() ? result.skip_reason : result.error, std::nullopt});
}

void WorkflowReporter::stage_changed(std::size_t pipeline, std::size_t stage, const runner::StageResult& result) {
  change({protocol::Node::Stage, ids_.pipelines.at(pipeline).stages.at(stage).id, result.status, when(result),
          result.skip_reason, std::nullopt});
}

const std::string& WorkflowReporter::execution_id(runner::ExecutionId id) const {
  return ids_.pipelines.at(id.pipeline).stages.at(id.stage).executions.at(id.execution);
}

void WorkflowReporter::execution_changed(runner::ExecutionId id, const runner::ExecutionResult& result) {
  std::optional<int> exit_code;
  if (core::is_final(result.status) && result.attempts > 0 && result.exit_code >= 0) exit_code = result.exit_code;
  if (core::is_final(result.status) && result.tests) {
    std::lock_guard lock{mutex_};
    tests_.push_back({execution_id(id), *result.tests});  // the runner masked them
  }
  change({protocol::Node::Execution, execution_id(id), result.status, when(result), execution_reason(result),
          exit_code});
}

const protocol::StageIds& WorkflowReporter::services_group(std::size_t pipeline) const {
  const auto& group = ids_.pipelines.at(pipeline).services;
  if (!group) throw std::out_of_range("the server gave pipeline " + std::to_string(pipeline) + " no services group");
  return *group;
}

void WorkflowReporter::service_changed(std::size_t pipeline, std::size_t service,
                                       const runner::ExecutionResult& result) {
  const protocol::StageIds& group = services_group(pipeline);
  std::optional<int> exit_code;
  if (core::is_final(result.status) && result.exit_code >= 0) exit_code = result.exit_code;
  std::vector<core::Status>& statuses = services_[pipeline];
  statuses.resize(group.executions.size(), core::Status::Queued);
  statuses.at(service) = result.status;
  const core::Status group_now = group_status(statuses);
  // The group starts before its first service and ends after its last.
  if (group_now == core::Status::Running) change({protocol::Node::Stage, group.id, group_now, when(result), {}, {}});
  change({protocol::Node::Execution, group.executions.at(service), result.status, when(result), result.error,
          exit_code});
  if (core::is_final(group_now)) change({protocol::Node::Stage, group.id, group_now, when(result), {}, {}});
}

void WorkflowReporter::output(const runner::OutputLines& output) {
  const std::string& execution =
      output.service ? services_group(output.execution.pipeline).executions.at(*output.service)
                     : execution_id(output.execution);
  std::int64_t& seq = next_seq_[execution];
  const protocol::Stream stream = output.stream == runner::Stream::Stderr ? protocol::Stream::Stderr
                                                                          : protocol::Stream::Stdout;
  const std::int64_t at = millis(output.time);
  std::vector<protocol::LogLine> entries;
  entries.reserve(output.lines.size());
  std::size_t bytes = 0;
  for (std::string_view line : output.lines) {
    entries.push_back({++seq, stream, at, std::string{line}});  // the runner masked it
    bytes += entries.back().text.size() + 64;
  }
  std::lock_guard lock{mutex_};
  std::vector<protocol::LogLine>& pending = lines_[execution];
  std::move(entries.begin(), entries.end(), std::back_inserter(pending));
  pending_bytes_ += bytes;
  if (pending_bytes_ >= kBatchBytes) wake_.notify_one();
}

void WorkflowReporter::change(protocol::StatusChange change) {
  auto [it, added] = reported_.try_emplace(change.id, core::Status::Queued);
  if (!added && it->second == change.status) return;
  if (added && change.status == core::Status::Queued) return;  // the plan recorded it queued
  it->second = change.status;
  std::lock_guard lock{mutex_};
  change.reason = mask_.apply(change.reason);  // an error may quote what a build printed
  changes_.push_back(std::move(change));
}

void WorkflowReporter::hide(const core::Env& secrets) {
  if (secrets.empty()) return;
  std::lock_guard lock{mutex_};
  mask_ = mask_.with(secrets);
}

void WorkflowReporter::finish() {
  {
    std::lock_guard lock{mutex_};
    finishing_ = true;
  }
  wake_.notify_one();
  if (sender_.joinable()) sender_.join();
}

protocol::EventBatch WorkflowReporter::take_batch() {
  protocol::EventBatch batch;
  bool lines_left = false;
  for (auto it = lines_.begin(); it != lines_.end();) {
    std::vector<protocol::LogLine>& lines = it->second;
    if (lines.size() <= kBatchLines) {
      batch.logs.push_back({it->first, std::move(lines)});
      it = lines_.erase(it);
      continue;
    }
    const auto end = lines.begin() + static_cast<std::ptrdiff_t>(kBatchLines);
    batch.logs.push_back({it->first, {std::make_move_iterator(lines.begin()), std::make_move_iterator(end)}});
    lines.erase(lines.begin(), end);
    lines_left = true;
    ++it;
  }
  // The server stores a batch's lines before its changes: changes wait for
  // the last of the lines written before them, so an ended execution's log
  // is whole when viewers are told it ended.
  // Test results go before the changes that end their executions.
  bool tests_left = false;
  if (!lines_left) {
    const std::size_t taken = std::min(tests_.size(), kBatchTestResults);
    std::move(tests_.begin(), tests_.begin() + static_cast<std::ptrdiff_t>(taken), std::back_inserter(batch.tests));
    tests_.erase(tests_.begin(), tests_.begin() + static_cast<std::ptrdiff_t>(taken));
    tests_left = !tests_.empty();
  }
  if (!lines_left && !tests_left) batch.changes = std::exchange(changes_, {});
  pending_bytes_ = lines_left || tests_left ? kBatchBytes : 0;  // send the rest at once
  return batch;
}

void WorkflowReporter::send_loop() {
  ServerClient client{client_, [this] { return lease_lost_ || abandoned_; }};
  for (;;) {
    protocol::EventBatch batch;
    bool last = false;
    {
      std::unique_lock lock{mutex_};
      wake_.wait_for(lock, kSendInterval, [this] { return finishing_ || pending_bytes_ >= kBatchBytes; });
      last = finishing_;
      if (changes_.empty() && lines_.empty() && tests_.empty()) {
        if (last) return;
        continue;
      }
      batch = take_batch();
    }
    const Reply reply = client.post_until_answered(path_, protocol::to_json(batch));
    if (reply.lease_lost()) {
      lease_lost_ = true;
      cancel_.cancel();
    } else if (reply.status != 200) {
      std::fprintf(stderr, "factory agent: the server refused a batch of events (%ld): %s\n", reply.status,
                   reply.body.dump().c_str());
    } else if (reply.cancel_asked()) {
      cancel_.cancel();
    }
    if ((lease_lost_ || abandoned_) && last) return;
  }
}

}  // namespace agent
