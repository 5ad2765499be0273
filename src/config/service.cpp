#include "config/service.h"

#include <algorithm>
#include <map>

#include "config/messages.h"

namespace config {

namespace {

// Loopback reaches every service: process services listen there, container
// services share the machine's network (docs/runner.md#services).
constexpr const char* kServiceHost = "127.0.0.1";

core::ServiceSpec evaluate(const Service& service, Evaluator& evaluator) {
  core::ServiceSpec spec;
  spec.name = service.name;
  if (service.image.given()) spec.image = evaluator.string(service.image, "image").value_or("");
  if (service.command.given())
    for (auto& item : evaluator.string_list(service.command, "command").value_or(std::vector<ListItem>{}))
      spec.command.push_back(std::move(item.value));
  if (service.run.given()) spec.run = evaluator.string(service.run, "run").value_or("");
  if (service.env.given()) spec.env = evaluator.env(service.env).value_or(core::Env{});
  if (service.ports.given()) spec.ports = evaluator.port_list(service.ports, "ports").value_or(std::vector<int>{});
  if (service.ready_timeout.given())
    spec.ready_timeout = evaluator.duration(service.ready_timeout, "timeout").value_or(spec.ready_timeout);
  if (service.ready_run.given()) spec.ready_run = evaluator.string(service.ready_run, "run").value_or("");
  if (service.ready_port.given()) {
    spec.ready_port = evaluator.port(service.ready_port, "port").value_or(0);
    const bool declared = std::find(spec.ports.begin(), spec.ports.end(), spec.ready_port) != spec.ports.end();
    if (spec.ready_port != 0 && !declared)
      evaluator.error(service.ready_port.origin(),
                      "Ready port " + std::to_string(spec.ready_port) + " is not a port of service \"" +
                          service.name + "\"",
                      "Declare it in the service's ports, e.g. ports = [" + std::to_string(spec.ready_port) + "].");
  } else if (spec.ready_run.empty() && !spec.ports.empty()) {
    spec.ready_port = spec.ports.front();
  }
  return spec;
}

}  // namespace

std::vector<core::ServiceSpec> evaluate_services(const Pipeline& pipeline, Evaluator& evaluator) {
  std::vector<core::ServiceSpec> specs;
  std::map<int, const Service*> port_owner;
  for (const auto& service : pipeline.services) {
    specs.push_back(evaluate(service, evaluator));
    for (int port : specs.back().ports) {
      auto [owner, added] = port_owner.emplace(port, &service);
      if (!added && owner->second != &service)
        evaluator.error(service.ports.origin(),
                        "Port " + std::to_string(port) + " is declared by services \"" + owner->second->name +
                            "\" and \"" + service.name + "\"",
                        "Services share the machine's loopback, so each port can be one service's only.");
    }
  }
  return specs;
}

hcl::Value service_values(const std::vector<core::ServiceSpec>& services) {
  hcl::Object values;
  for (const auto& service : services) {
    hcl::Tuple ports(service.ports.begin(), service.ports.end());
    hcl::Value first = service.ports.empty() ? hcl::Value() : hcl::Value(service.ports.front());
    values[service.name] = hcl::Object{{"host", kServiceHost}, {"port", first}, {"ports", std::move(ports)}};
  }
  return values;
}

}  // namespace config
