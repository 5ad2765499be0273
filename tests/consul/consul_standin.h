// A stand-in for a Consul agent's HTTP API, for tests (no Consul runs
// here), serving in the test's own process on 127.0.0.1. It follows the
// documented endpoints FactoryCI uses
// (https://developer.hashicorp.com/consul/api-docs/agent/service,
//  .../agent/check, .../health):
//   PUT /v1/agent/service/register         a service with a TTL check, critical until passed
//   PUT /v1/agent/check/pass/{check}       passing for TTL more; 500 for an unknown check
//   PUT /v1/agent/service/deregister/{id}
//   GET /v1/health/service/{name}[?passing] entries of Node, Service and Checks
//   GET /v1/agent/services                 the services by ID
// Not simulated: DeregisterCriticalServiceAfter, ACLs (the token sent is
// only recorded), blocking queries.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "http/server.h"

namespace consultest {

using nlohmann::json;

class ConsulStandIn {
 public:
  ConsulStandIn() : server_{routes(), {.host = "127.0.0.1", .port = 0, .threads = 1, .access_log = {}}} {
    server_.start();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  // The registered services by ID, as GET /v1/agent/services has them.
  json services() {
    std::lock_guard lock{mutex_};
    json all = json::object();
    for (const auto& [id, entry] : entries_) all[id] = entry.service;
    return all;
  }
  int passes(const std::string& service_id) {
    std::lock_guard lock{mutex_};
    auto it = entries_.find(service_id);
    return it == entries_.end() ? 0 : it->second.passes;
  }
  // The X-Consul-Token of the last registration ("" when none).
  std::string last_token() {
    std::lock_guard lock{mutex_};
    return last_token_;
  }
  // As a restarted Consul agent that kept no state.
  void forget_everything() {
    std::lock_guard lock{mutex_};
    entries_.clear();
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    json service;
    std::string check_id;
    std::chrono::milliseconds ttl{0};
    Clock::time_point passed_at{};
    int passes = 0;
    bool passing() const { return passes > 0 && Clock::now() - passed_at <= ttl; }
  };

  static std::chrono::milliseconds parse_ttl(const std::string& text) {
    if (text.ends_with("ms")) return std::chrono::milliseconds{std::stoll(text)};
    if (text.ends_with("m")) return std::chrono::minutes{std::stoll(text)};
    return std::chrono::seconds{std::stoll(text)};
  }

  http::Router routes() {
    http::Router router;
    router.add("PUT", "/v1/agent/service/register", [this](http::Request& request) {
      const json body = json::parse(request.body);
      Entry entry;
      entry.service = {{"ID", body["ID"]},
                       {"Service", body["Name"]},
                       {"Address", body.value("Address", "")},
                       {"Port", body.value("Port", 0)},
                       {"Meta", body.value("Meta", json::object())}};
      entry.check_id = body["Check"].value("CheckID", "service:" + body["ID"].get<std::string>());
      entry.ttl = parse_ttl(body["Check"]["TTL"]);
      std::lock_guard lock{mutex_};
      entries_[body["ID"]] = std::move(entry);
      last_token_ = std::string{request.header("X-Consul-Token").value_or("")};
      return http::Response::text(200, "");
    });
    router.add("PUT", "/v1/agent/check/pass/{check}", [this](http::Request& request) {
      const std::string check{*request.param("check")};
      std::lock_guard lock{mutex_};
      for (auto& [id, entry] : entries_)
        if (entry.check_id == check) {
          entry.passed_at = Clock::now();
          ++entry.passes;
          return http::Response::text(200, "");
        }
      return http::Response::text(
          500, "Unknown check ID \"" + check + "\". Ensure that the check ID is passed, not the check name.");
    });
    router.add("PUT", "/v1/agent/service/deregister/{id}", [this](http::Request& request) {
      std::lock_guard lock{mutex_};
      entries_.erase(std::string{*request.param("id")});
      return http::Response::text(200, "");
    });
    router.add("GET", "/v1/health/service/{name}", [this](http::Request& request) {
      const std::string name{*request.param("name")};
      const bool only_passing = request.query("passing").has_value();
      json found = json::array();
      std::lock_guard lock{mutex_};
      for (const auto& [id, entry] : entries_) {
        if (entry.service["Service"] != name || (only_passing && !entry.passing())) continue;
        found.push_back(
            {{"Node", {{"Node", "standin"}, {"Address", "127.0.0.1"}}},
             {"Service", entry.service},
             {"Checks", {{{"CheckID", entry.check_id}, {"Status", entry.passing() ? "passing" : "critical"}}}}});
      }
      return http::Response::json(200, found);
    });
    router.add("GET", "/v1/agent/services", [this](http::Request&) { return http::Response::json(200, services()); });
    return router;
  }

  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by service ID
  std::string last_token_;
  http::Server server_;                   // last: its handlers use the above
};

}  // namespace consultest
