#include "api/log_hub.h"

#include <algorithm>

namespace api {

LogHub::Subscription LogHub::subscribe(const std::string& execution_id, Listener listener) {
  std::lock_guard lock{mutex_};
  listeners_[execution_id].emplace(++last_subscription_, std::move(listener));
  return last_subscription_;
}

void LogHub::unsubscribe(const std::string& execution_id, Subscription subscription) {
  Listener dropped;  // destroyed after the lock is released: it may hold the last reference to a stream
  std::lock_guard lock{mutex_};
  auto it = listeners_.find(execution_id);
  if (it == listeners_.end()) return;
  if (auto found = it->second.find(subscription); found != it->second.end()) {
    dropped = std::move(found->second);
    it->second.erase(found);
  }
  if (it->second.empty()) listeners_.erase(it);
}


void LogHub::publish(const std::string& execution_id, const std::vector<store::LogLine>& lines) {
  if (!lines.empty()) notify(execution_id, lines, false);
}

void LogHub::end(const std::string& execution_id) { notify(execution_id, {}, true); }

void LogHub::notify(const std::string& execution_id, const std::vector<store::LogLine>& lines, bool ended) {
  std::lock_guard lock{mutex_};
  auto it = listeners_.find(execution_id);
  if (it == listeners_.end()) return;
  std::erase_if(it->second, [&](auto& entry) { return !entry.second(lines, ended) || ended; });
  if (it->second.empty()) listeners_.erase(it);
}

}  // namespace api
