#include "server/service.h"

#include "api/api.h"
#include "webui/webui.h"

namespace server {

namespace {

std::unique_ptr<orchestrator::Orchestrator> make_orchestrator(store::Store& store, AgentOptions& agents) {
  if (!agents.provisioner) return nullptr;
  return std::make_unique<orchestrator::Orchestrator>(store, std::move(agents.provisioner),
                                                      std::move(agents.orchestrator));
}

http::Router api_router(store::Store& store, orchestrator::Orchestrator* orchestrator) {
  http::Router router;
  api::ApiOptions options;
  options.orchestrator = orchestrator;
  if (orchestrator) options.workflow_queued = [orchestrator] { orchestrator->workflow_queued(); };
  api::add_routes(router, store, options);
  webui::add_routes(router);
  return router;
}

// Provisioned agents run on this machine: they reach the server on loopback
// when it listens on every address.
std::string local_url(const std::string& host, std::uint16_t port) {
  return http_url(host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host, port);
}

}  // namespace

std::string http_url(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Service::Service(std::unique_ptr<store::Store> store, http::ServerOptions options, AgentOptions agents)
    : store_{std::move(store)},
      orchestrator_{make_orchestrator(*store_, agents)},
      host_{options.host},
      http_{api_router(*store_, orchestrator_.get()), std::move(options)} {}

void Service::start() {
  http_.start();
  if (!orchestrator_) return;
  orchestrator_->set_server_url(local_url(host_, http_.port()));
  orchestrator_->start();
}

void Service::stop(std::chrono::milliseconds deadline) {
  if (orchestrator_) orchestrator_->stop();  // answers the agents' long polls first
  http_.stop(deadline);
}

}  // namespace server
