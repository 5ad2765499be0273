// Keeps a workflow's lease: posts a heartbeat every interval from a thread
// of its own, and cancels the run when the server asks to cancel, when the
// lease turns out lost (another agent may have the workflow now), when no
// heartbeat got through for a whole lease (the server is gone, and would
// give the workflow to another agent were it back), or when the agent
// itself is told to stop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "agent/server_client.h"
#include "runner/runner.h"

namespace agent {

class Heartbeat {
 public:
  Heartbeat(const ClientConfig& client, const std::string& workflow_id, std::chrono::milliseconds interval,
            std::chrono::milliseconds lease, runner::CancelHandle& run, const runner::CancelHandle& agent_stop);
  ~Heartbeat();  // stops beating

  // The workflow is no longer this agent's to report on: the server said so,
  // or could not be reached for a whole lease.
  bool lease_lost() const { return lease_lost_; }
  // The latter.
  bool server_unreachable() const { return server_unreachable_; }

 private:
  void beat_loop();

  ClientConfig client_;
  std::string path_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds lease_;
  runner::CancelHandle& run_;
  const runner::CancelHandle& agent_stop_;
  std::atomic<bool> lease_lost_{false};
  std::atomic<bool> server_unreachable_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agent
