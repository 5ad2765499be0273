// FactoryCI's HTTP service: the REST API on a store and the web UI, served
// by the HTTP server, and, when given a provisioner, the orchestrator that
// hands queued workflows to build agents with the agent protocol beside the
// API.
// `factory server` runs it; so does the API load-test server (without agents).
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
#include "orchestrator/orchestrator.h"
#include "store/store.h"

namespace server {

// "http://HOST:PORT", with an IPv6 host in brackets.
std::string http_url(const std::string& host, std::uint16_t port);

struct AgentOptions {
  std::unique_ptr<orchestrator::Provisioner> provisioner;
  orchestrator::Options orchestrator;  // server_url is filled in once the server listens
};

class Service {
 public:
  Service(std::unique_ptr<store::Store> store, http::ServerOptions options, AgentOptions agents = {});

  store::Store& store() { return *store_; }
  void start();
  std::uint16_t port() const { return http_.port(); }
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds{10'000});

 private:
  // Declared in the order they are needed: the server's handlers use the
  // orchestrator and the store until the server is gone.
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;  // null without a provisioner
  std::string host_;
  http::Server http_;
};

}  // namespace server
