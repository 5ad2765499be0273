#include "server/audit_pruner.h"

#include "server/wait_or_stop.h"

namespace server {

AuditPruner::AuditPruner(store::Store& store, AuditPrunerOptions options)
    : store_{store}, options_{std::move(options)}, thread_{[this](std::stop_token stop) { run(stop); }} {}

void AuditPruner::run(std::stop_token stop) {
  do {
    prune(stop);
  } while (wait_or_stop(stop, options_.interval));
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
    if (*deleted < options_.batch || !wait_or_stop(stop, options_.pause)) return;
  }
}

}  // namespace server
