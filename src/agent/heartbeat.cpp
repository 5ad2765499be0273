#include "agent/heartbeat.h"

#include "protocol/protocol.h"

namespace agent {

namespace {

using SteadyClock = std::chrono::steady_clock;

}  // namespace

Heartbeat::Heartbeat(const ClientConfig& client, const std::string& workflow_id, std::chrono::milliseconds interval,
                     std::chrono::milliseconds lease, runner::CancelHandle& run,
                     const runner::CancelHandle& agent_stop)
    : client_{client},
      path_{protocol::workflow_path(workflow_id, protocol::Call::Heartbeat)},
      interval_{interval},
      lease_{lease},
      run_{run},
      agent_stop_{agent_stop},
      thread_{[this] { beat_loop(); }} {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

// The lease was renewed when the workflow was claimed, just before this
// starts. A beat that hangs is cut short when the lease runs out.
void Heartbeat::beat_loop() {
  auto lease_end = SteadyClock::now() + lease_;
  ServerClient client{client_, [this, &lease_end] {
                        std::lock_guard lock{mutex_};
                        return stopping_ || SteadyClock::now() >= lease_end;
                      }};
  std::unique_lock lock{mutex_};
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    if (agent_stop_.cancelled()) run_.cancel();
    // One try a beat: a server that does not answer is tried again at the next.
    const auto sent = SteadyClock::now();
    const Reply reply = client.post(path_, nlohmann::json::object(), interval_ * 5);
    if (reply.lease_lost()) {
      lease_lost_ = true;
      run_.cancel();
    } else if (reply.status == 200) {
      lease_end = sent + lease_;
      if (reply.cancel_asked()) run_.cancel();
    } else if (SteadyClock::now() >= lease_end && !lease_lost_) {
      server_unreachable_ = true;
      lease_lost_ = true;
      run_.cancel();
    }
    lock.lock();
  }
}

}  // namespace agent
