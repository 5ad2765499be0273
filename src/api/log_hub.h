// Live execution logs inside the server: the agent routes publish the lines
// they have stored, and the log stream route passes them on to viewers.
//
// Thread-safety: every member may be called from any thread. Listeners are
// called under the hub's lock, in publishing order: they must be quick (an
// EventStream::send is) and must not call back into the hub.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

namespace api {

class LogHub {
 public:
  // Lines stored for an execution; `ended` once it finished (no lines follow,
  // and the listener is dropped). A listener returns false to be dropped
  // (its viewer went away).
  using Listener = std::function<bool(const std::vector<store::LogLine>& lines, bool ended)>;
  using Subscription = std::uint64_t;

  Subscription subscribe(const std::string& execution_id, Listener listener);
  // Drops the listener (one whose viewer went away); nothing if it is gone already.
  void unsubscribe(const std::string& execution_id, Subscription subscription);
  void publish(const std::string& execution_id, const std::vector<store::LogLine>& lines);
  void end(const std::string& execution_id);

 private:
  void notify(const std::string& execution_id, const std::vector<store::LogLine>& lines, bool ended);

  std::mutex mutex_;
  Subscription last_subscription_ = 0;
  std::map<std::string, std::map<Subscription, Listener>> listeners_;  // by execution id
};

}  // namespace api
