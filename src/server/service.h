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
#include <optional>
#include <string>
#include <vector>

#include "blobs/store.h"
#include "github/github.h"
#include "github/oauth.h"
#include "http/server.h"
#include "orchestrator/orchestrator.h"
#include "server/github_sync.h"
#include "server/repository_roles.h"
#include "server/scheduler.h"
#include "store/group_commit.h"
#include "store/store.h"

namespace server {

// "http://HOST:PORT", with an IPv6 host in brackets.
std::string http_url(const std::string& host, std::uint16_t port);

struct AgentOptions {
  std::unique_ptr<orchestrator::Provisioner> provisioner;
  orchestrator::Options orchestrator;  // server_url is filled in once the server listens
};

// With a client, the service reports to GitHub (docs/github.md): hooks made
// with projects, clone tokens in jobs, and GitHubSync in the background.
// People sign in with `sign_in` (off without a client id), in sessions
// that last as `sessions` says; `admins` are the server admins' logins. With
// a client, their roles on projects also come from their permissions on the
// repositories (RepositoryRoles, on sign_in.web_url's repositories).
struct GitHubOptions {
  std::unique_ptr<github::GitHub> client;  // null: no GitHub calls at all
  GitHubSyncOptions sync;                  // sync.public_url is also the hooks' base URL
  github::OAuthApp sign_in;
  store::SessionPolicy sessions;
  std::vector<std::string> admins;
};

class Service {
 public:
  // With `schedules`, a SchedulerThread queues the schedules' workflows
  // (its clone tokens, wake-ups and pushes come from the service).
  // With `blobs`, caches and artifacts are kept there (docs/storage.md, "Caches and artifacts").
  Service(std::unique_ptr<store::Store> store, http::ServerOptions options, AgentOptions agents = {},
          GitHubOptions github = {}, std::optional<SchedulerOptions> schedules = {},
          std::unique_ptr<blobs::Store> blobs = {});
  ~Service() { http_.stop(); }  // before the group commit goes: no request may reach it then

  store::Store& store() { return *store_; }
  blobs::Store* blobs() { return blobs_.get(); }
  void start();
  std::uint16_t port() const { return http_.port(); }
  std::size_t connection_limit() const { return http_.connection_limit(); }
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds{10'000});

 private:
  // Declared in the order they are needed: the server's handlers use the
  // orchestrator and the store until the server is gone.
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<blobs::Store> blobs_;                       // null: no caches or artifacts
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;  // null without a provisioner
  std::unique_ptr<github::GitHub> github_;                    // null without GitHub credentials
  std::unique_ptr<GitHubSync> github_sync_;
  std::unique_ptr<RepositoryRoles> repository_roles_;           // null without a client
  std::unique_ptr<SchedulerThread> scheduler_;                  // null without schedules
  std::string host_;
  http::Server http_;
  // After the server, so that it goes first: its last answers reach
  // connections that still exist. The router holds only its address.
  store::GroupCommit group_commit_;
};

}  // namespace server
