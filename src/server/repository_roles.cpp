#include "server/repository_roles.h"

#include <algorithm>
#include <cctype>

#include "github/oauth.h"

namespace server {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// GitHub's "permission" folds maintain into write and triage into read.
api::Role role_of(const github::RestReply& reply) {
  if (!reply.ok() || !reply.body.is_object() || !reply.body["permission"].is_string()) return api::Role::None;
  const std::string permission = reply.body["permission"].get<std::string>();
  if (permission == "admin") return api::Role::Admin;
  if (permission == "write" || permission == "maintain") return api::Role::Write;
  if (permission == "read" || permission == "triage") return api::Role::Read;
  return api::Role::None;
}

}  // namespace

api::Role RepositoryRoles::role(const api::Caller& caller, const store::Project& project) {
  if (caller.kind != api::Caller::Kind::User) return api::Role::None;
  const auto repository = github::repository_at(options_.web_url, project.url);
  if (!repository) return api::Role::None;
  auto key = std::make_pair(lowercase(repository->owner + "/" + repository->name), lowercase(caller.login));
  {
    std::lock_guard lock{mutex_};
    const auto cached = cache_.find(key);
    if (cached != cache_.end() && options_.clock() < cached->second.until) return cached->second.role;
  }
  const github::RestReply reply = github_.permission(*repository, caller.login);
  const api::Role role = role_of(reply);
  // 404: no such user; anything else that did not succeed may pass.
  const auto ttl = reply.ok() || reply.status == 404 ? options_.ttl : options_.error_ttl;
  std::lock_guard lock{mutex_};
  std::erase_if(cache_, [now = options_.clock()](const auto& entry) { return entry.second.until <= now; });
  cache_[std::move(key)] = {role, options_.clock() + ttl};
  return role;
}

}  // namespace server
