// Keeps the audit log to its retention (--audit-retention, docs/people.md):
// a thread of its own deletes the entries older than `retention`, at start
// and then every `interval`. Each batch of at most `batch` entries is one
// short transaction, with a pause after it, so that a long backlog (the
// first start after lowering the retention) never holds the database, or
// SQLite's one writer, for long. A failure is reported through `warn` and
// tried again at the next interval. The destructor stops the thread, at
// once even mid-pass.
// Thread-safety: the object is used by its owner only; the store is shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

#include "store/store.h"

namespace server {

struct AuditPrunerOptions {
  std::chrono::milliseconds retention{std::chrono::days{365}};
  std::chrono::milliseconds interval{std::chrono::hours{1}};
  int batch = 500;
  std::chrono::milliseconds pause{20};
  std::function<void(const std::string&)> warn;
};

class AuditPruner {
 public:
  // `store` must outlive the pruner.
  AuditPruner(store::Store& store, AuditPrunerOptions options);

 private:
  void run(std::stop_token stop);
  // One pass: deletes every entry older than the retention, a batch at a time.
  void prune(std::stop_token stop);

  store::Store& store_;
  AuditPrunerOptions options_;
  std::jthread thread_;  // last: starts once the members above exist, stops first
};

}  // namespace server
