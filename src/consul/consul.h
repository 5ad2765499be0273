// Service discovery with Consul (docs/consul.md), over the HTTP API of the
// Consul agent on this machine (usually http://127.0.0.1:8500).
// With Consul's ACLs on, the token comes from CONSUL_HTTP_TOKEN, as for
// Consul's own command line.
//
//   consul::Registration registration{"http://127.0.0.1:8500",
//       {.id = "factory-ci1-8080", .name = "factory", .url = "http://10.0.0.5:8080"}};
//   ... registered, its TTL check passed every ttl/3 ...
//   // destroying it deregisters the service
//
//   std::string error;
//   auto servers = consul::healthy_instances("http://127.0.0.1:8500", "factory", error);
//
// Thread-safety: healthy_instances from any thread; a Registration is
// driven by its own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace consul {

struct Service {
  std::string id;    // unique on the Consul agent: "factory-HOST-PORT"
  std::string name;  // what others look up: "factory", "factory-agent"
  std::string url;   // where it is reached (http://HOST:PORT); empty for what serves nothing
  std::chrono::seconds ttl{10};  // its check turns critical when not passed for this long
  std::chrono::seconds deregister_after{60};  // and the agent drops it after this long critical
};

// The URLs of the instances of `name` whose checks all pass (GET
// /v1/health/service/NAME?passing); nullopt with `error` when Consul did not
// answer.
std::optional<std::vector<std::string>> healthy_instances(const std::string& consul_url, const std::string& name,
                                                          std::string& error);

// A service registered for as long as this object lives: registered when
// made, its check passed every ttl/3 (registered again should the Consul
// agent have lost it, as after its restart), deregistered when destroyed.
// Problems go to stderr and are tried again: Consul down must not stop
// FactoryCI.
class Registration {
 public:
  Registration(std::string consul_url, Service service);
  ~Registration();
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  void keep_alive();

  const std::string consul_url_;
  const Service service_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace consul
