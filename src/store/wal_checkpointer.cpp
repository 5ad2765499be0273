#include "store/wal_checkpointer.h"

#include <cstdio>

namespace store {

namespace {

// Each answers one row: (busy, frames in the log, frames checkpointed).
const Query kPassiveCheckpoint{"PRAGMA wal_checkpoint(PASSIVE)"};
const Query kTruncatingCheckpoint{"PRAGMA wal_checkpoint(TRUNCATE)"};

// Under steady writes a passive checkpoint copies the log but never lets it
// start again from the beginning (some reader always uses its end), so the
// file grows. Past this many frames (16 MiB of 4 KiB pages) the log is
// truncated: that waits for readers and holds writers back, but only while
// the few frames the last passive checkpoint left are copied.
constexpr std::int64_t kTruncateAfterFrames = 4096;

Result<std::int64_t> checkpoint(Connection& connection, const Query& mode) {
  std::int64_t frames = 0;
  auto done = connection.execute(mode, {}, [&](const Row& row) { frames = row.integer(1); });
  if (!done) return done.error();
  return frames;
}

// A failed checkpoint leaves the log to the next one; the data is safe in it.
void checkpoint_log(Connection& connection) {
  auto frames = checkpoint(connection, kPassiveCheckpoint);
  if (frames && *frames > kTruncateAfterFrames) frames = checkpoint(connection, kTruncatingCheckpoint);
  if (!frames) std::fprintf(stderr, "store: checkpoint of the SQLite log failed: %s\n", frames.error().message.c_str());
}

}  // namespace

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds interval)
    : connection_{std::move(connection)}, interval_{interval}, thread_{[this] { checkpoint_until_stopped(); }} {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  stop_requested_.notify_one();
  thread_.join();
}

void WalCheckpointer::checkpoint_until_stopped() {
  std::unique_lock lock{mutex_};
  for (bool last = false; !last;) {
    last = stop_requested_.wait_for(lock, interval_, [this] { return stopping_; });
    checkpoint_log(*connection_);
  }
}

}  // namespace store
