// Background checkpoints for SQLite's write-ahead log. Left to itself,
// SQLite checkpoints inside whichever commit crosses the threshold: that
// commit (and every writer queued behind it) then waits while the log is
// copied into the database and synced, for up to hundreds of milliseconds
// under load. Instead the store's connections never checkpoint, and this
// thread, on a connection of its own, runs a PASSIVE checkpoint every
// `interval`: it copies what it can without blocking readers or writers.
// Past kWalRestartBytes it restarts the log, holding writers back for only
// a few milliseconds (wal_checkpointer.cpp says how), and the next commit
// cuts the file back to that size (connections set journal_size_limit).
// Stopped (with a last checkpoint) by the destructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/connection.h"

namespace store {

constexpr std::int64_t kWalRestartBytes = 16 * 1024 * 1024;

class WalCheckpointer {
 public:
  WalCheckpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds interval);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  void checkpoint_until_stopped();

  std::unique_ptr<Connection> connection_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace store
