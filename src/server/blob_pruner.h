// Keeps caches' and artifacts' storage to what is used (docs/storage.md,
// "Retention and pruning"): a thread of its own, at start and then every
// `interval`, deletes the artifacts whose retention ended, then removes
// the blobs that no cache entry or artifact names any more, then the
// uploads nothing appended to for `grace`. A blob younger than `grace`, or
// pinned by an upload or a new entry within it, stays: the entry naming a
// blob is made after its upload (store::Store::prune_blob tells the race).
// Failures go to `warn` and are tried again at the next pass. The
// destructor stops the thread, at once even mid-pass.
// Thread-safety: the object is used by its owner only; the stores are shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

#include "blobs/store.h"
#include "store/store.h"

namespace server {

struct BlobPrunerOptions {
  std::chrono::milliseconds interval{std::chrono::hours{1}};
  std::chrono::milliseconds grace{std::chrono::hours{1}};
  int batch = 500;  // artifacts deleted per transaction
  std::function<store::Timestamp()> clock;  // the system clock when unset (tests move their own)
  std::function<void(const std::string&)> warn;
};

// What one pass removed.
struct BlobPrune {
  std::int64_t artifacts = 0;
  std::int64_t blobs = 0;
  std::size_t uploads = 0;
};

// One pass, on the caller's thread: what the pruner's thread runs, and
// what tests call with their clock.
BlobPrune prune_blobs(store::Store& store, blobs::Store& blobs, const BlobPrunerOptions& options,
                      std::stop_token stop = {});

class BlobPruner {
 public:
  // Both stores must outlive the pruner.
  BlobPruner(store::Store& store, blobs::Store& blobs, BlobPrunerOptions options);

 private:
  void run(std::stop_token stop);

  store::Store& store_;
  blobs::Store& blobs_;
  BlobPrunerOptions options_;
  std::jthread thread_;  // last: starts once the members above exist, stops first
};

}  // namespace server
