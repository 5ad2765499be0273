#include "store/connection_pool.h"

namespace store {

ConnectionPool::ConnectionPool(DatabaseUrl url, std::size_t capacity, std::unique_ptr<Connection> first)
    : url_(std::move(url)), capacity_(capacity < 1 ? 1 : capacity) {
  idle_.push_back(std::move(first));
  made_ = 1;
}

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  auto connection = take();
  if (!connection) return connection.error();
  if ((*connection)->broken()) {
    if (auto status = (*connection)->reconnect(); !status) {
      give_back(std::move(*connection));  // stays broken; the next acquire tries again
      return status.error();
    }
  }
  return Lease(*this, std::move(*connection));
}

Result<std::unique_ptr<Connection>> ConnectionPool::take() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [this] { return !idle_.empty() || made_ < capacity_; });
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }
  ++made_;
  lock.unlock();  // connecting takes a round trip; let others use the pool meanwhile
  auto connection = connect(url_);
  if (!connection) {
    lock.lock();
    --made_;
    returned_.notify_one();
  }
  return connection;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace store
