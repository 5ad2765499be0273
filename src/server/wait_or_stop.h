// Internal to src/server: how its background threads pause between passes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace server {

// Waits for `duration`, or until a stop is requested; false then.
inline bool wait_or_stop(std::stop_token stop, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any stopped;
  std::unique_lock lock{mutex};
  return !stopped.wait_for(lock, stop, duration, [&stop] { return stop.stop_requested(); });
}

}  // namespace server
