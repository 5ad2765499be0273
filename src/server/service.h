// FactoryCI's HTTP service: the REST API on a store, served by the HTTP
// server. `factory server` runs it; so does the API load-test server.
//
//   server::Service service{std::move(store), {.host = "127.0.0.1", .port = 0}};
//   service.start();   // throws std::system_error when it cannot listen
//   ... service.port() ...
//   service.stop();    // stops accepting, finishes requests in flight
//
// Thread-safety: as http::Server (start and stop from one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "http/server.h"
#include "store/store.h"

namespace server {

class Service {
 public:
  Service(std::unique_ptr<store::Store> store, http::ServerOptions options);

  store::Store& store() { return *store_; }
  void start() { http_.start(); }
  std::uint16_t port() const { return http_.port(); }
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds{10'000}) { http_.stop(deadline); }

 private:
  std::unique_ptr<store::Store> store_;  // declared first: the server's handlers use it until it is gone
  http::Server http_;
};

}  // namespace server
