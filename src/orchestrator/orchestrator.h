// Hands queued workflows to build agents (docs/agents.md).
//
// One thread does all of the queue's bookkeeping, woken when a workflow is
// queued, an agent asks for work, or a second has passed:
//   - leases that ran out are expired (the workflow is queued again once,
//     then given up as error);
//   - provisioned agents that exited without finishing their workflow have
//     it marked error with how they ended;
//   - agents waiting for work (long polls) get the oldest queued workflows;
//   - while the provisioner has capacity, it claims a queued workflow for a
//     new agent, makes it a token good for that workflow only and starts it.
// Cancelling a running workflow is a request kept in the store
// (Store::request_cancel) that the agent learns of on its next call
// (heartbeats come every second), through whichever server; an agent that
// does not confirm within `cancel_grace` is stopped and the workflow marked
// cancelled anyway; the provisioner frees its slot once it is gone.
//
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/provisioner.h"
#include "store/store.h"

namespace orchestrator {

struct Options {
  std::string server_url;  // what provisioned agents call back, e.g. http://127.0.0.1:8080
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds heartbeat{1'000};
  std::chrono::milliseconds cancel_grace{10'000};
  int max_attempts = 2;  // a workflow whose agent vanished is run once more
  std::chrono::milliseconds tick{1'000};
};

// A claim's answer: the workflow claimed, or nothing when the wait ran out
// (or the orchestrator stopped).
using ClaimAnswer = std::function<void(std::optional<store::Workflow>)>;

class Orchestrator {
 public:
  Orchestrator(store::Store& store, std::unique_ptr<Provisioner> provisioner, Options options);
  ~Orchestrator();  // stops
  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  void start();
  // Answers waiting claims with nothing, stops the thread, then the
  // provisioner's agents (Provisioner::stop_all).
  void stop();
  // The server URL is known once it listens (port 0 picks one).
  void set_server_url(std::string url);

  const Options& options() const { return options_; }
  const Provisioner& provisioner() const { return *provisioner_; }

  // A workflow was queued: look for an agent now rather than at the next tick.
  void workflow_queued();
  // An agent asks for work: `answer` gets the oldest queued workflow, claimed
  // for `agent`, or nothing after `wait`. Called on the orchestrator's thread.
  void claim(std::string agent, std::chrono::milliseconds wait, ClaimAnswer answer);
  // Why queued workflows wait, for people.
  std::string waiting_reason() const;

  // A cancel was asked through this server: pass it on to the provisioner
  // now, before the agent confirms it, rather than at the next tick.
  void cancel_requested();
  // The workflow reached a final status: delete its tokens.
  void workflow_finished(const std::string& workflow_id);

 private:
  struct Waiter {
    std::string agent;
    std::chrono::steady_clock::time_point deadline;
    ClaimAnswer answer;
  };

  void run();
  void expire_leases();
  void reap_agents();
  void pass_on_cancels();
  void answer_waiters();
  void answer_expired_waiters();
  void provision_agents();
  void give_up_unconfirmed_cancels();
  void fail_workflow(const std::string& workflow_id, const std::string& reason);
  // With mutex_ held:
  std::chrono::steady_clock::time_point next_waiter_deadline() const;
  void update_waiting_reason();

  store::Store& store_;
  std::unique_ptr<Provisioner> provisioner_;  // used on the orchestrator's thread only
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool work_queued_ = true;  // look at the queue on the first tick
  bool cancel_asked_ = false;
  std::deque<Waiter> waiters_;
  std::set<std::string> cancels_passed_on_;  // to the provisioner; the orchestrator's thread only
  std::optional<std::chrono::steady_clock::time_point> last_agent_seen_;
  std::string waiting_reason_;
  std::uint64_t agents_provisioned_ = 0;
  std::thread thread_;
};

}  // namespace orchestrator
