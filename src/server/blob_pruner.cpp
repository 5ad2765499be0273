#include "server/blob_pruner.h"

#include "server/wait_or_stop.h"

namespace server {

namespace {

store::Timestamp now(const BlobPrunerOptions& options) {
  if (options.clock) return options.clock();
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void warn(const BlobPrunerOptions& options, const std::string& message) {
  if (options.warn) options.warn("pruning caches and artifacts: " + message + " (tried again later)");
}

}  // namespace

BlobPrune prune_blobs(store::Store& store, blobs::Store& blobs, const BlobPrunerOptions& options,
                      std::stop_token stop) {
  BlobPrune pruned;
  const store::Timestamp at = now(options);
  for (;;) {
    auto deleted = store.delete_expired_artifacts(at, options.batch);
    if (!deleted) {
      warn(options, deleted.error().message);
      return pruned;
    }
    pruned.artifacts += *deleted;
    if (*deleted < options.batch || stop.stop_requested()) break;
  }
  const store::Timestamp before = at - options.grace;
  auto listed = blobs.list();
  if (!listed) {
    warn(options, listed.error().message);
    return pruned;
  }
  for (const blobs::BlobInfo& blob : listed.value()) {
    if (stop.stop_requested()) return pruned;
    if (blob.modified >= before) continue;
    auto removed = store.prune_blob(blob.digest, before, [&blobs, &blob] {
      const blobs::Status gone = blobs.remove(blob.digest);
      return gone.ok() || gone.error().kind == blobs::ErrorKind::NotFound;
    });
    if (!removed) warn(options, "blob " + blob.digest + ": " + removed.error().message);
    if (removed && *removed) ++pruned.blobs;
  }
  auto uploads = blobs.remove_stale_uploads(before);
  if (!uploads) warn(options, uploads.error().message);
  if (uploads) pruned.uploads = uploads.value();
  return pruned;
}

BlobPruner::BlobPruner(store::Store& store, blobs::Store& blobs, BlobPrunerOptions options)
    : store_{store}, blobs_{blobs}, options_{std::move(options)}, thread_{[this](std::stop_token stop) { run(stop); }} {}

void BlobPruner::run(std::stop_token stop) {
  do {
    prune_blobs(store_, blobs_, options_, stop);
  } while (wait_or_stop(stop, options_.interval));
}

}  // namespace server
