// A bound on the number of executions running at the same time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>

#include "runner/runner.h"

namespace runner {

// Thread-safety: every member may be called from any thread.
class JobSlots {
 public:
  explicit JobSlots(std::size_t count) : free_(count == 0 ? 1 : count) {}

  // Takes a slot; gives up (false) on cancellation or at the deadline.
  bool acquire(const CancelHandle& cancel,
               std::optional<std::chrono::steady_clock::time_point> deadline) {
    // Cancellation may come from a signal handler, which cannot notify a
    // condition variable: look at it a few times a second.
    constexpr auto kCancelCheck = std::chrono::milliseconds(50);
    std::unique_lock lock(mutex_);
    while (free_ == 0) {
      if (cancel.cancelled()) return false;
      auto now = std::chrono::steady_clock::now();
      if (deadline && now >= *deadline) return false;
      auto wake = now + kCancelCheck;
      if (deadline && *deadline < wake) wake = *deadline;
      freed_.wait_until(lock, wake);
    }
    if (cancel.cancelled()) return false;
    --free_;
    return true;
  }

  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::size_t free_;
};

}  // namespace runner
