#include "github/github.h"

#include <ctime>

#include "core/percent.h"

namespace github {

namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// A path segment with everything but unreserved characters percent-encoded.
std::string segment(const std::string& text) { return core::percent_encode(text); }

std::string repo_path(const Repository& repository) {
  return "/repos/" + segment(repository.owner) + "/" + segment(repository.name);
}

std::string hook_path(const Repository& repository, std::int64_t hook_id) {
  return repo_path(repository) + "/hooks/" + std::to_string(hook_id);
}

// A reply standing for a refusal made here, before any call.
RestReply refusal(std::string why) {
  RestReply reply;
  reply.error = std::move(why);
  return reply;
}

// A 2xx reply whose body lacks what it should have is GitHub misbehaving.
RestReply missing(const RestReply& reply, const std::string& field) {
  return refusal("GitHub answered " + std::to_string(reply.status) + " without " + field);
}

}  // namespace

std::optional<Clock::time_point> parse_github_time(const std::string& text) {
  std::tm parts{};
  char zone = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                  &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &zone) != 7 ||
      zone != 'Z')
    return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return Clock::from_time_t(timegm(&parts));
}

GitHub::GitHub(GitHubOptions options) : options_{std::move(options)}, rest_{options_.rest} {}

std::string GitHub::app_authorization() const {
  return "Bearer " + options_.app_key->jwt(options_.app_id, Clock::now());
}

std::optional<RestReply> GitHub::installation_of(const Repository& repository, std::int64_t& installation) {
  const std::string key = repository.owner + "/" + repository.name;
  {
    std::lock_guard lock{mutex_};
    if (auto found = installations_.find(key); found != installations_.end()) {
      installation = found->second;
      return std::nullopt;
    }
  }
  RestReply reply = rest_.call("GET", repo_path(repository) + "/installation", app_authorization());
  if (!reply.ok()) return reply;
  if (!reply.body.is_object() || !reply.body["id"].is_number_integer()) return missing(reply, "the installation's id");
  installation = reply.body["id"].get<std::int64_t>();
  std::lock_guard lock{mutex_};
  installations_[key] = installation;
  return std::nullopt;
}

std::optional<RestReply> GitHub::authorize(const Repository& repository, std::string& authorization) {
  if (!is_app()) {
    authorization = "Bearer " + options_.token;
    return std::nullopt;
  }
  std::int64_t installation = 0;
  if (auto refused = installation_of(repository, installation)) return refused;
  std::lock_guard lock{mutex_};
  auto cached = tokens_.find(installation);
  if (cached == tokens_.end() || cached->second.expires_at - options_.token_margin <= Clock::now()) {
    // Under the lock: concurrent callers wait for one new token rather than each making one.
    RestReply reply = rest_.call("POST", "/app/installations/" + std::to_string(installation) + "/access_tokens",
                                 app_authorization());
    if (!reply.ok()) return reply;
    const auto expires_at =
        reply.body.is_object() ? parse_github_time(reply.body.value("expires_at", "")) : std::nullopt;
    if (!expires_at || !reply.body["token"].is_string()) return missing(reply, "a token and its expiry");
    cached = tokens_.insert_or_assign(installation, CachedToken{reply.body["token"].get<std::string>(), *expires_at})
                 .first;
  }
  authorization = "Bearer " + cached->second.token;
  return std::nullopt;
}

RestReply GitHub::call(const Repository& repository, const std::string& method, const std::string& path,
                       const json& body) {
  std::string authorization;
  if (auto refused = authorize(repository, authorization)) return *refused;
  return rest_.call(method, path, authorization, body);
}

RestReply GitHub::create_hook(const Repository& repository, const std::string& url, const std::string& secret) {
  const json hook{{"name", "web"},
                  {"active", true},
                  {"events", {"push", "pull_request"}},
                  {"config", {{"url", url}, {"content_type", "json"}, {"secret", secret}, {"insecure_ssl", "0"}}}};
  RestReply reply = call(repository, "POST", repo_path(repository) + "/hooks", hook);
  if (reply.ok() && !(reply.body.is_object() && reply.body["id"].is_number_integer()))
    return missing(reply, "the hook's id");
  return reply;
}

RestReply GitHub::update_hook(const Repository& repository, std::int64_t hook_id, const std::string& url,
                              const std::string& secret) {
  json config{{"content_type", "json"}, {"secret", secret}, {"insecure_ssl", "0"}};
  if (!url.empty()) config["url"] = url;
  return call(repository, "PATCH", hook_path(repository, hook_id) + "/config", config);
}

RestReply GitHub::delete_hook(const Repository& repository, std::int64_t hook_id) {
  return call(repository, "DELETE", hook_path(repository, hook_id));
}

RestReply GitHub::set_status(const Repository& repository, const std::string& sha, const CommitStatus& status) {
  json body{{"state", status.state}, {"context", status.context}, {"description", status.description}};
  if (!status.target_url.empty()) body["target_url"] = status.target_url;
  return call(repository, "POST", repo_path(repository) + "/statuses/" + segment(sha), body);
}

RestReply GitHub::list_deliveries(const Repository& repository, std::int64_t hook_id,
                                  std::vector<Delivery>& deliveries) {
  RestReply reply = call(repository, "GET", hook_path(repository, hook_id) + "/deliveries?per_page=100");
  if (!reply.ok()) return reply;
  if (!reply.body.is_array()) return missing(reply, "a list of deliveries");
  deliveries.clear();
  for (const json& entry : reply.body) {
    if (!entry.is_object() || !entry["id"].is_number_integer()) continue;
    deliveries.push_back({entry["id"].get<std::int64_t>(), entry.value("guid", ""),
                          entry.value("status_code", 0L), entry.value("redelivery", false)});
  }
  return reply;
}

RestReply GitHub::redeliver(const Repository& repository, std::int64_t hook_id, std::int64_t delivery_id) {
  return call(repository, "POST", hook_path(repository, hook_id) + "/deliveries/" + std::to_string(delivery_id) +
                                      "/attempts");
}

RestReply GitHub::clone_token(const Repository& repository) {
  if (!is_app()) return refusal("clone tokens need a GitHub App");
  std::int64_t installation = 0;
  if (auto refused = installation_of(repository, installation)) return *refused;
  const json scope{{"repositories", {repository.name}}, {"permissions", {{"contents", "read"}}}};
  RestReply reply = rest_.call("POST", "/app/installations/" + std::to_string(installation) + "/access_tokens",
                               app_authorization(), scope);
  if (reply.ok() && !(reply.body.is_object() && reply.body["token"].is_string())) return missing(reply, "a token");
  return reply;
}

RestReply GitHub::permission(const Repository& repository, const std::string& login) {
  return call(repository, "GET", repo_path(repository) + "/collaborators/" + segment(login) + "/permission");
}

}  // namespace github
