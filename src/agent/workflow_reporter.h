// Tells the server what happens during a run: a runner::Observer that turns
// status changes and output lines into batches for the agent protocol's
// events call, and a sender thread that posts them in order, every 100 ms or
// sooner when a batch grows big. Lines come masked by the runner; status
// reasons are masked here (secrets become ***), the job's secrets and those
// a pipeline's gate released since (hide()). Lines are numbered per
// execution from 1, so a batch sent again after a lost answer is stored
// once. An ended execution's test results go before its status change. A
// batch that cannot be delivered is retried until the
// server answers: it may be restarting. A pipeline's services are reported
// as the executions of its services group (PipelineIds::services), whose
// status follows theirs.
//
// The server's answers carry cancel requests; one cancels `cancel`. An
// answer saying the lease is lost cancels too, and sets lease_lost(). A
// batch the server refuses otherwise (it names something not of this
// workflow, say) is reported on stderr and dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/server_client.h"
#include "core/secret_mask.h"
#include "protocol/protocol.h"
#include "runner/runner.h"

namespace agent {

class WorkflowReporter final : public runner::Observer {
 public:
  WorkflowReporter(const ClientConfig& client, std::string workflow_id, protocol::PlanIds ids, core::SecretMask mask,
                   runner::CancelHandle& cancel);
  ~WorkflowReporter() override;

  void pipeline_changed(std::size_t pipeline, const runner::PipelineResult& result) override;
  void stage_changed(std::size_t pipeline, std::size_t stage, const runner::StageResult& result) override;
  void execution_changed(runner::ExecutionId id, const runner::ExecutionResult& result) override;
  void service_changed(std::size_t pipeline, std::size_t service, const runner::ExecutionResult& result) override;
  void output(const runner::OutputLines& output) override;

  // Masks `secrets` too in the reasons reported from now on: an
  // environment's, which a pipeline's gate released after the run began.
  // Called from that pipeline's thread while observer calls go on.
  void hide(const core::Env& secrets);

  // Sends what is left and stops the sender.
  void finish();
  // Drops what is left instead, and stops retrying a batch the server does
  // not take: the agent is stopping, or the workflow is no longer its own.
  void abandon() { abandoned_ = true; }
  bool lease_lost() const { return lease_lost_; }

 private:
  void change(protocol::StatusChange change);
  const std::string& execution_id(runner::ExecutionId id) const;
  const protocol::StageIds& services_group(std::size_t pipeline) const;
  void send_loop();
  // The next batch of what is pending: at most kBatchLines lines of each
  // execution, and the status changes once no lines before them are left.
  // Called with mutex_ held.
  protocol::EventBatch take_batch();

  ClientConfig client_;
  std::string path_;
  protocol::PlanIds ids_;
  core::SecretMask mask_;  // guarded by mutex_
  runner::CancelHandle& cancel_;
  std::atomic<bool> lease_lost_{false};
  std::atomic<bool> abandoned_{false};

  // Observer calls never overlap, so these need no lock of their own.
  std::map<std::string, core::Status> reported_;  // node id → last status sent
  std::map<std::string, std::int64_t> next_seq_;  // execution id → its next line number
  std::map<std::size_t, std::vector<core::Status>> services_;  // pipeline → its services' statuses

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<protocol::StatusChange> changes_;
  std::map<std::string, std::vector<protocol::LogLine>> lines_;  // execution id → lines
  std::vector<protocol::ExecutionTests> tests_;  // of ended executions, sent before the changes after them
  std::size_t pending_bytes_ = 0;
  bool finishing_ = false;
  std::thread sender_;
};

}  // namespace agent
