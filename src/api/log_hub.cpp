#include "api/log_hub.h"

#include <algorithm>

namespace api {

void LogHub::subscribe(const std::string& execution_id, Listener listener) {
  std::lock_guard lock{mutex_};
  listeners_[execution_id].push_back(std::move(listener));
}

void LogHub::publish(const std::string& execution_id, const std::vector<store::LogLine>& lines) {
  if (!lines.empty()) notify(execution_id, lines, false);
}

void LogHub::end(const std::string& execution_id) { notify(execution_id, {}, true); }

void LogHub::notify(const std::string& execution_id, const std::vector<store::LogLine>& lines, bool ended) {
  std::lock_guard lock{mutex_};
  auto it = listeners_.find(execution_id);
  if (it == listeners_.end()) return;
  std::erase_if(it->second, [&](Listener& listener) { return !listener(lines, ended) || ended; });
  if (it->second.empty()) listeners_.erase(it);
}

}  // namespace api
