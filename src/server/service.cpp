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

std::unique_ptr<GitHubSync> make_github_sync(store::Store& store, github::GitHub* github,
                                             const GitHubSyncOptions& options) {
  if (!github) return nullptr;
  return std::make_unique<GitHubSync>(store, *github, options);
}

std::unique_ptr<RepositoryRoles> make_repository_roles(github::GitHub* github, const github::OAuthApp& sign_in) {
  if (!github) return nullptr;
  return std::make_unique<RepositoryRoles>(*github, RepositoryRoleOptions{.web_url = sign_in.web_url});
}

std::unique_ptr<SchedulerThread> make_scheduler(store::Store& store, orchestrator::Orchestrator* orchestrator,
                                                github::GitHub* github, const GitHubOptions& github_options,
                                                std::optional<SchedulerOptions> schedules) {
  if (!schedules) return nullptr;
  if (orchestrator) schedules->workflow_queued = [orchestrator] { orchestrator->workflow_queued(); };
  if (github)
    schedules->clone_token = [options = api::ApiOptions{.github = github, .warn = github_options.sync.warn}](
                                 const store::Project& project) { return api::github_clone_token(options, project); };
  return std::make_unique<SchedulerThread>(store, std::move(*schedules));
}

http::Router api_router(store::Store& store, orchestrator::Orchestrator* orchestrator,
                        store::GroupCommit& group_commit, github::GitHub* github, const GitHubOptions& github_options,
                        RepositoryRoles* repository_roles, SchedulerThread* scheduler, blobs::Store* blobs) {
  http::Router router;
  api::ApiOptions options;
  options.blobs = blobs;
  options.orchestrator = orchestrator;
  options.group_commit = &group_commit;
  options.github = github;
  options.public_url = github_options.sync.public_url;
  options.warn = github_options.sync.warn;
  options.admins = github_options.admins;
  options.sign_in = github_options.sign_in;
  options.sessions = github_options.sessions;
  if (repository_roles)
    options.repository_role = [repository_roles](const api::Caller& caller, const store::Project& project) {
      return repository_roles->role(caller, project);
    };
  if (orchestrator) options.workflow_queued = [orchestrator] { orchestrator->workflow_queued(); };
  if (scheduler) {
    options.branch_pushed = [scheduler](const std::string& project_id, const std::string& branch) {
      scheduler->branch_pushed(project_id, branch);
    };
    options.schedules_changed = [scheduler] { scheduler->schedules_changed(); };
  }
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

Service::Service(std::unique_ptr<store::Store> store, http::ServerOptions options, AgentOptions agents,
                 GitHubOptions github, std::optional<SchedulerOptions> schedules,
                 std::unique_ptr<blobs::Store> blobs)
    : store_{std::move(store)},
      blobs_{std::move(blobs)},
      orchestrator_{make_orchestrator(*store_, agents)},
      github_{std::move(github.client)},
      github_sync_{make_github_sync(*store_, github_.get(), github.sync)},
      repository_roles_{make_repository_roles(github_.get(), github.sign_in)},
      scheduler_{make_scheduler(*store_, orchestrator_.get(), github_.get(), github, std::move(schedules))},
      host_{options.host},
      http_{api_router(*store_, orchestrator_.get(), group_commit_, github_.get(), github, repository_roles_.get(),
                       scheduler_.get(), blobs_.get()),
            std::move(options)},
      group_commit_{*store_} {}

void Service::start() {
  http_.start();
  if (github_sync_) github_sync_->start();
  if (!orchestrator_) return;
  orchestrator_->set_server_url(local_url(host_, http_.port()));
  orchestrator_->start();
}

void Service::stop(std::chrono::milliseconds deadline) {
  if (orchestrator_) orchestrator_->stop();  // answers the agents' long polls first
  http_.stop(deadline);
  if (github_) github_->stop();  // a GitHub outage does not hold the shutdown up
  if (github_sync_) github_sync_->stop();
}

}  // namespace server
