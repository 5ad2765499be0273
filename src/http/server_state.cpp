#include "http/server_state.h"

#include <sys/resource.h>

#include <algorithm>
#include <vector>

namespace http::detail {

namespace {

// Below the soft RLIMIT_NOFILE, reserved_descriptors stay for the rest of the
// process (half of them under a limit that small).
std::size_t connection_limit_for(const ServerOptions& options) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return options.max_connections;
  const auto descriptors = static_cast<std::size_t>(limit.rlim_cur);
  const std::size_t room = descriptors > options.reserved_descriptors ? descriptors - options.reserved_descriptors
                                                                      : descriptors / 2;
  return std::min(options.max_connections, room);
}

}  // namespace

ServerState::ServerState(Router router_, ServerOptions options_)
    : options{std::move(options_)},
      connection_limit{connection_limit_for(options)},
      router{std::move(router_)},
      clients{{options.connections_per_address, options.body_budget_per_address, options.body_budget}},
      io{static_cast<int>(options.threads)} {}

void ServerState::track(const std::shared_ptr<Closable>& closable) {
  std::lock_guard lock{mutex_};
  open_.emplace(closable.get(), closable);
}

void ServerState::untrack(const Closable* closable) {
  std::lock_guard lock{mutex_};
  open_.erase(closable);
  if (open_.empty()) all_closed_.notify_all();
}

std::size_t ServerState::open_count() const {
  std::lock_guard lock{mutex_};
  return open_.size();
}

std::vector<std::shared_ptr<Closable>> ServerState::open_closables() const {
  std::vector<std::shared_ptr<Closable>> open;
  std::lock_guard lock{mutex_};
  for (const auto& [key, weak] : open_) {
    if (auto closable = weak.lock()) open.push_back(std::move(closable));
  }
  return open;
}

// Both call out without the lock held: closing may untrack on this very thread.
void ServerState::shut_down_all() {
  for (const auto& closable : open_closables()) closable->shut_down();
}

void ServerState::abort_all() {
  for (const auto& closable : open_closables()) closable->abort();
}

bool ServerState::wait_until_all_closed(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock{mutex_};
  return all_closed_.wait_until(lock, deadline, [&] { return open_.empty(); });
}

void ServerState::record(const AccessLogEntry& entry) {
  metrics.record(entry.route, entry.method, entry.status, entry.duration);
  if (options.access_log) options.access_log(entry);
}

Gauges ServerState::gauges() const { return {open_count(), event_streams.load()}; }

}  // namespace http::detail
