#include "consul/consul.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "http_client/http_client.h"

namespace consul {

namespace {

using nlohmann::json;

using Answer = http_client::Reply;

// One request to the Consul agent's HTTP API; Consul's answers are small.
Answer call(const char* method, const std::string& url, const std::string& body = {}) {
  http_client::Request request{.method = method, .url = url, .body = body, .timeout = std::chrono::seconds{5}};
  if (const char* token = std::getenv("CONSUL_HTTP_TOKEN"); token && *token)  // as Consul's own tools take it
    request.headers.push_back(std::string{"X-Consul-Token: "} + token);
  return http_client::Client{}.perform(request);
}

// "Consul at URL: HTTP 500: Unknown check ID" or why it did not answer.
std::string describe(const std::string& consul_url, const Answer& answer) {
  if (answer.status == 0) return "Consul at " + consul_url + " did not answer: " + answer.error;
  return "Consul at " + consul_url + ": HTTP " + std::to_string(answer.status) + ": " + answer.body;
}

std::string seconds(std::chrono::seconds duration) { return std::to_string(duration.count()) + "s"; }

std::string check_id(const Service& service) { return "service:" + service.id; }

json registration(const Service& service) {
  json body = {{"ID", service.id},
               {"Name", service.name},
               {"Check",
                {{"CheckID", check_id(service)},
                 {"TTL", seconds(service.ttl)},
                 {"DeregisterCriticalServiceAfter", seconds(service.deregister_after)}}}};
  if (service.url.empty()) return body;
  // Address and Port for Consul's DNS and other tools; Meta.url is what
  // FactoryCI's agents use (it keeps the scheme).
  const auto host_start = service.url.find("://") + 3;
  const auto colon = service.url.rfind(':');
  if (colon > host_start) {
    body["Address"] = service.url.substr(host_start, colon - host_start);
    body["Port"] = std::stoi(service.url.substr(colon + 1));
  }
  body["Meta"] = {{"url", service.url}};
  return body;
}

bool log_unless_ok(const std::string& consul_url, const std::string& what, const Answer& answer) {
  if (answer.status == 200) return true;
  std::fprintf(stderr, "consul: %s: %s\n", what.c_str(), describe(consul_url, answer).c_str());
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> healthy_instances(const std::string& consul_url, const std::string& name,
                                                          std::string& error) {
  const Answer answer = call("GET", consul_url + "/v1/health/service/" + name + "?passing");
  const json entries = json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || !entries.is_array()) {
    error = describe(consul_url, answer);
    return std::nullopt;
  }
  std::vector<std::string> urls;
  for (const auto& entry : entries) {
    const json service = entry.value("Service", json::object());
    const json meta = service.value("Meta", json::object());
    if (meta.contains("url")) {
      urls.push_back(meta["url"]);
      continue;
    }
    std::string address = service.value("Address", "");
    if (address.empty()) address = entry.value("Node", json::object()).value("Address", "");
    urls.push_back("http://" + address + ":" + std::to_string(service.value("Port", 0)));
  }
  return urls;
}

Registration::Registration(std::string consul_url, Service service)
    : consul_url_{std::move(consul_url)}, service_{std::move(service)} {
  thread_ = std::thread{[this] { keep_alive(); }};
}

Registration::~Registration() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  log_unless_ok(consul_url_, "deregistering " + service_.id,
                call("PUT", consul_url_ + "/v1/agent/service/deregister/" + service_.id));
}

void Registration::keep_alive() {
  bool registered = false;
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    lock.unlock();
    if (!registered)
      registered =
          log_unless_ok(consul_url_, "registering " + service_.id,
                        call("PUT", consul_url_ + "/v1/agent/service/register", registration(service_).dump()));
    // A check the agent does not know (it restarted) means registering again.
    if (registered)
      registered = log_unless_ok(consul_url_, "passing the check of " + service_.id,
                                 call("PUT", consul_url_ + "/v1/agent/check/pass/" + check_id(service_)));
    lock.lock();
    const auto pause = registered ? std::chrono::duration_cast<std::chrono::milliseconds>(service_.ttl) / 3
                                  : std::chrono::milliseconds{1'000};
    wake_.wait_for(lock, pause, [this] { return stopping_; });
  }
}

}  // namespace consul
