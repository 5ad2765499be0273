#include "core/own_children.h"

#include <mutex>
#include <set>

namespace core {

namespace {

std::mutex& lock() {
  static std::mutex mutex;
  return mutex;
}

std::set<pid_t>& own() {
  static std::set<pid_t> pids;
  return pids;
}

}  // namespace

int spawn_own_child(pid_t& pid, const std::function<int(pid_t&)>& spawn) {
  std::lock_guard guard{lock()};
  const int failed = spawn(pid);
  if (!failed) own().insert(pid);
  return failed;
}

void forget_own_child(pid_t pid) {
  std::lock_guard guard{lock()};
  own().erase(pid);
}

void sweep_children(const std::function<void(const std::function<bool(pid_t)>& is_own)>& sweep) {
  std::lock_guard guard{lock()};
  sweep([](pid_t pid) { return own().contains(pid); });
}

}  // namespace core
