#include "store/wal_checkpointer.h"

#include <cstdio>

namespace store {

namespace {

// Each answers one row: (busy, frames in the log, frames checkpointed).
const Query kPassiveCheckpoint{"PRAGMA wal_checkpoint(PASSIVE)"};
const Query kRestartingCheckpoint{"PRAGMA wal_checkpoint(RESTART)"};

// Under steady writes a passive checkpoint copies the log but never lets it
// start again from the beginning (each pass leaves the frames written while
// it ran), so the file would grow without end. Past this many frames (of
// 4 KiB pages) the log is restarted.
constexpr std::int64_t kRestartAfterFrames = kWalRestartBytes / 4096;
// A restart holds writers back while it copies what is left and syncs the
// database, so passive passes first shrink what is left to about this many
// frames (in a few milliseconds of writes), or give up after kMaxPasses.
constexpr std::int64_t kFewFrames = 256;
constexpr int kMaxPasses = 6;

// Runs a checkpoint; the frames in the log when it ran.
Result<std::int64_t> checkpoint(Connection& connection, const Query& mode) {
  std::int64_t frames = 0;
  auto done = connection.execute(mode, {}, [&](const Row& row) { frames = row.integer(1); });
  if (!done) return done.error();
  return frames;
}

Status restart_log(Connection& connection, std::int64_t frames) {
  for (int passes = 0; passes < kMaxPasses; ++passes) {
    auto next = checkpoint(connection, kPassiveCheckpoint);
    if (!next) return next.error();
    const bool few_written_meanwhile = *next - frames < kFewFrames;
    frames = *next;
    if (few_written_meanwhile) break;
  }
  auto restarted = checkpoint(connection, kRestartingCheckpoint);
  if (!restarted) return restarted.error();
  return {};
}

Status copy_log(Connection& connection) {
  auto frames = checkpoint(connection, kPassiveCheckpoint);
  if (!frames) return frames.error();
  return *frames > kRestartAfterFrames ? restart_log(connection, *frames) : Status{};
}

// A failed checkpoint leaves the log to the next one; the data is safe in it.
void checkpoint_log(Connection& connection) {
  if (Status copied = copy_log(connection); !copied)
    std::fprintf(stderr, "store: checkpoint of the SQLite log failed: %s\n", copied.error().message.c_str());
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
