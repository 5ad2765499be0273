// Schedules (docs/configuration.md#schedules): queues a workflow with event
// "cron" at each slot of each schedule in the store, for the head of the
// schedule's branch, and keeps the schedules declared in `.factory/` up to
// date with their branches.
//
// Scheduler does the work in passes, on the caller's thread, with the clock
// it is given (tests move their own):
//   tick()     for each schedule, the latest slot since the last pass (on the
//              first pass: within the catch-up window), never one before the
//              schedule became active; a slot is queued in one transaction
//              with its row in the store's table of runs, so that with
//              several servers on one database each slot runs once, whoever
//              comes first (store::Store::enqueue_scheduled_workflow). A slot
//              missed while every server was down runs once when one comes
//              back, if it is the latest and within the window. A branch git
//              cannot fetch is tried again at the next pass, within the window.
//   refresh()  reads `.factory/` at the head of one branch and makes the
//              project's schedules declared for that branch those it declares.
// SchedulerThread runs them on a thread of its own: a pass at least every
// `poll`, and at each slot; a branch refreshed when a push to it touched
// `.factory/` (branch_pushed), and every branch with declared schedules
// every `refresh`. Failures go to `warn` and are tried again later.
//
// Thread-safety: a Scheduler is used by one thread at a time; a
// SchedulerThread's methods may be called from any thread. The store is shared.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "git/branch_config.h"
#include "store/store.h"

namespace server {

struct SchedulerOptions {
  // How late a slot may still run: slots found later than this (every
  // server down, or stalled) are skipped. --schedule-catch-up.
  std::chrono::milliseconds catch_up{std::chrono::hours{1}};
  std::chrono::milliseconds poll{std::chrono::seconds{15}};      // the longest wait between passes
  std::chrono::milliseconds refresh{std::chrono::minutes{30}};   // how often declared schedules are read again
  std::filesystem::path scratch;                                 // where branches are fetched
  std::function<store::Timestamp()> clock;                        // the system clock when unset
  // Reads `.factory/` at a branch's head: git::read_branch_config into
  // `scratch` when unset.
  std::function<git::BranchConfig(const git::BranchSource&)> read_branch;
  // The token to fetch a project's repository with (a GitHub App's); none when unset.
  std::function<std::string(const store::Project&)> clone_token;
  std::function<void()> workflow_queued;  // a workflow was queued: wake the orchestrator
  std::function<void(const std::string&)> warn;
};

class Scheduler {
 public:
  // `store` must outlive the scheduler.
  Scheduler(store::Store& store, SchedulerOptions options);

  struct Pass {
    std::vector<std::string> queued;              // the workflows this pass queued
    std::optional<store::Timestamp> next_slot;    // the earliest slot to come, of any schedule
  };
  Pass tick();
  void refresh(const std::string& project_id, const std::string& branch);
  // Refreshes every branch that has declared schedules.
  void refresh_declared();

 private:
  enum class Outcome { Done, Retry };
  Outcome run_slot(const store::Schedule& schedule, store::Timestamp slot, Pass& pass);
  // The branch's head and configuration; declared schedules brought up to date when it was read.
  git::BranchConfig read_branch(const store::Project& project, const std::string& branch);
  void warn(const std::string& message) const;

  store::Store& store_;
  SchedulerOptions options_;
  std::map<std::string, store::Timestamp> looked_until_;  // per schedule: slots up to here were seen to
};

class SchedulerThread {
 public:
  SchedulerThread(store::Store& store, SchedulerOptions options);

  // A push to a branch that may have changed its `.factory/`: read its
  // declared schedules again. At most kMaxPending wait; more are dropped (with
  // a warning) until the thread catches up, as the periodic refresh would.
  static constexpr std::size_t kMaxPending = 1000;
  void branch_pushed(std::string project_id, std::string branch);
  // A schedule was made or changed here: look at once.
  void schedules_changed();

 private:
  void run(std::stop_token stop);
  // Waits until `until`, a push, a change or a stop; the pushes that came.
  std::deque<std::pair<std::string, std::string>> wait(std::stop_token stop,
                                                       std::chrono::steady_clock::time_point until);

  Scheduler scheduler_;
  std::chrono::milliseconds poll_;
  std::chrono::milliseconds refresh_;
  std::function<store::Timestamp()> clock_;
  std::function<void(const std::string&)> warn_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<std::pair<std::string, std::string>> pushed_;  // (project id, branch), guarded by mutex_
  bool changed_ = false;                                    // guarded by mutex_
  std::jthread thread_;  // last: starts once the members above exist, stops first
};

}  // namespace server
