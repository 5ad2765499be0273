// A bounded pool of connections to one database. acquire() lends one
// connection to the calling thread until the Lease goes out of scope; when
// all are lent it waits for one to come back. Connections are made on demand
// and a broken one is reconnected before it is lent again.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/connection.h"

namespace store {

class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->give_back(std::move(connection_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // `first` is a connection already made (the one migrations ran on).
  ConnectionPool(DatabaseUrl url, std::size_t capacity, std::unique_ptr<Connection> first);

  Result<Lease> acquire();

 private:
  void give_back(std::unique_ptr<Connection> connection);
  Result<std::unique_ptr<Connection>> take();

  const DatabaseUrl url_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t made_ = 0;  // connections alive, idle or lent
};

}  // namespace store
