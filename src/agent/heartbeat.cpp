#include "agent/heartbeat.h"

#include "protocol/protocol.h"

namespace agent {

Heartbeat::Heartbeat(const ClientConfig& client, const std::string& workflow_id, std::chrono::milliseconds interval,
                     runner::CancelHandle& run, const runner::CancelHandle& agent_stop)
    : client_{client},
      path_{protocol::workflow_path(workflow_id, protocol::Call::Heartbeat)},
      interval_{interval},
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

void Heartbeat::beat_loop() {
  ServerClient client{client_, [this] {
                        std::lock_guard lock{mutex_};
                        return stopping_;
                      }};
  std::unique_lock lock{mutex_};
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    if (agent_stop_.cancelled()) run_.cancel();
    // One try a beat: a server that does not answer is tried again at the next.
    const Reply reply = client.post(path_, nlohmann::json::object(), interval_ * 5);
    if (reply.lease_lost()) {
      lease_lost_ = true;
      run_.cancel();
    } else if (reply.cancel_asked()) {
      run_.cancel();
    }
    lock.lock();
  }
}

}  // namespace agent
