// The REST API on an http::Router:
//   GET /project?id=…, POST /project, PUT /project?id=…, DELETE /project?id=…
//     (the seed endpoints; JSON fields id, owner, project, url, webhook_secret)
//   /api/v1/owners[/{id}], /api/v1/projects[/{id}]  (list, get, create, update, delete)
//   GET /api/v1/projects/{id}/workflows, GET /api/v1/workflows/{id},
//   GET /api/v1/executions/{id}/log, POST /api/v1/workflows/{id}/rerun,
//   POST /api/v1/projects/{id}/trigger, GET /api/v1/projects/{id}/inputs?branch=
//     (a manual run, and the inputs it takes from a branch's .factory/)
//   POST /hooks/github  (public: GitHub's signature authenticates it)
//   /api/v1/projects/{id}/secrets[/{name}]  (list names, set, delete; values are write-only)
//   /api/v1/projects/{id}/schedules[/{schedule}]  (list, create, get, update, delete)
//   /api/v1/projects/{id}/members[/{login}], /api/v1/user/tokens[/{id}], /api/v1/tokens[/{id}],
//   /api/v1/users  (grants, personal tokens, people: docs/people.md)
//   GET /auth/github, GET /auth/github/callback, POST /auth/signout,
//   GET /api/v1/auth, GET /api/v1/user  (signing in with GitHub)
// Each route declares the role it needs (access.h, docs/api.md); callers
// come with "Authorization: Bearer <token>" (the admin token or a personal
// token), a session cookie (with X-CSRF-Token on state-changing requests)
// or anonymously, which public projects allow for reading. Errors have the
// shape {"error": {"code": "...", "message": "..."}}; a request that fails
// changes nothing. Webhook secrets are write-only: returned once, at
// creation; project secrets are never returned.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "api/access.h"
#include "github/oauth.h"
#include "http/router.h"
#include "store/store.h"

namespace orchestrator {
class Orchestrator;
}
namespace store {
class GroupCommit;
}
namespace github {
class GitHub;
}
namespace blobs {
class Store;
}

namespace api {

struct ApiOptions {
  std::size_t body_limit = 64 * 1024;  // JSON request bodies, bytes
  // Called on the request's thread each time a new workflow was queued (by
  // a webhook, a rerun or a trigger; a redelivery queues none), so that the
  // orchestrator wakes up to hand it out instead of waiting for its next
  // poll. Keep it short: the client waits for it.
  std::function<void()> workflow_queued;
  // With an orchestrator: the agent protocol, cancel and live logs. It must
  // outlive the router.
  orchestrator::Orchestrator* orchestrator = nullptr;
  // Where webhook deliveries are queued, many per transaction, answered
  // without holding an I/O thread. Without it each delivery is queued alone
  // on its request's thread. It must outlive the router.
  store::GroupCommit* group_commit = nullptr;
  // With a GitHub client (docs/github.md): creating a project creates the
  // webhook on its repository, pointing at <public_url>/hooks/github
  // (unless the request says "create_webhook": false); deleting it deletes
  // the hook; and, with a GitHub App, each job carries a clone token. The
  // client must outlive the router; `warn` hears of what failed on the way.
  github::GitHub* github = nullptr;
  std::string public_url;
  std::function<void(const std::string&)> warn;
  // The GitHub logins of the server admins (--admin): Admin on every
  // project and the server's own routes.
  std::vector<std::string> admins;
  // The role a signed-in user has on a project from their permission on its
  // GitHub repository (access.h); none without it. Called on the request's
  // thread: cache what it asks GitHub.
  std::function<Role(const Caller&, const store::Project&)> repository_role;
  // Signing in with GitHub (docs/people.md#signing-in): off without a
  // client id. Sessions last as `sessions` says, measured by `clock` (the
  // system clock when unset; tests move their own).
  github::OAuthApp sign_in;
  store::SessionPolicy sessions;
  std::function<store::Timestamp()> clock;
  // Schedules (docs/configuration.md#schedules): told, on the request's
  // thread, of a push to a branch whose `.factory/` may have changed (its
  // changed paths touch it, or are unknown), and of each schedule made or
  // changed through the API. Keep them short.
  std::function<void(const std::string& project_id, const std::string& branch)> branch_pushed;
  std::function<void()> schedules_changed;
  // Where the `.factory/` of a branch's head is fetched to check a manual
  // run's inputs (git/branch_config.h): a folder of its own under this one
  // per read, removed after. Empty: the system's temporary directory.
  std::filesystem::path scratch_dir;
  // Where caches' and artifacts' blobs are kept (docs/storage.md, "Caches
  // and artifacts"); it must outlive the router. Without one, their routes
  // answer 503.
  blobs::Store* blobs = nullptr;
};

// A GitHub App installation token to fetch the project's repository with;
// empty without an App (options.github), or when GitHub gave none (told to
// options.warn).
std::string github_clone_token(const ApiOptions& options, const store::Project& project);

// `store` must outlive the router (and the server running it).
void add_routes(http::Router& router, store::Store& store, const ApiOptions& options = {});

}  // namespace api
