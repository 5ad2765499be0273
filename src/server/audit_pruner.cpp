#include "server/audit_pruner.h"

#include <condition_variable>
#include <mutex>

namespace server {

namespace {

// Waits for `duration`, or until a stop is requested; false then.
bool wait(std::stop_token stop, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any stopped;
  std::unique_lock lock{mutex};
  return !stopped.wait_for(lock, stop, duration, [&stop] { return stop.stop_requested(); });
}

}  // namespace

AuditPruner::AuditPruner(store::Store& store, AuditPrunerOptions options)
    : store_{store}, options_{std::move(options)}, thread_{[this](std::stop_token stop) { run(stop); }} {}

void AuditPruner::run(std::stop_token stop) {
  do {
    prune(stop);
  } while (wait(stop, options_.interval));
}

void AuditPruner::prune(std::stop_token stop) {
  const store::Timestamp before =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) - options_.retention;
  for (;;) {
    auto deleted = store_.prune_audit_entries(before, options_.batch);
    if (!deleted) {
      if (options_.warn) options_.warn("pruning the audit log failed (tried again later): " + deleted.error().message);
      return;
    }
    if (*deleted < options_.batch || !wait(stop, options_.pause)) return;
  }
}

}  // namespace server
