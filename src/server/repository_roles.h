// The role a signed-in user has on a project from their permission on its
// GitHub repository (ApiOptions::repository_role, docs/people.md):
// GET /repos/{owner}/{repo}/collaborators/{login}/permission, asked with the
// server's GitHub credentials; admin → Admin, maintain and write → Write,
// triage and read → Read, none → None. Answers are cached per (repository,
// login) for `ttl`, so that a page of requests asks once and a change on
// GitHub shows within a minute; failures for `error_ttl`, as None. Projects
// whose URL is not a repository on `web_url` get None without a call.
// Thread-safe: the cache is behind a mutex; GitHub is asked outside it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "api/access.h"
#include "github/github.h"

namespace server {

struct RepositoryRoleOptions {
  std::string web_url = "https://github.com";
  std::chrono::milliseconds ttl{60'000};
  std::chrono::milliseconds error_ttl{10'000};
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

class RepositoryRoles {
 public:
  // `github` must outlive this.
  RepositoryRoles(github::GitHub& github, RepositoryRoleOptions options)
      : github_{github}, options_{std::move(options)} {}

  api::Role role(const api::Caller& caller, const store::Project& project);

 private:
  struct Cached {
    api::Role role;
    std::chrono::steady_clock::time_point until;
  };

  github::GitHub& github_;
  RepositoryRoleOptions options_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Cached> cache_;  // ("owner/name", lowercase login) → role
};

}  // namespace server
