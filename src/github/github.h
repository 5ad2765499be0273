// The GitHub REST calls FactoryCI makes, with the credentials they need:
//   - a personal access token (`token`): sent as is with every call;
//   - a GitHub App (`app_id` + `app_key`): each call about a repository uses
//     the access token of the app's installation on it
//     (GET /repos/{owner}/{repo}/installation, then
//     POST /app/installations/{id}/access_tokens, both with the app's JWT),
//     cached until `token_margin` before it expires (GitHub gives an hour).
// Every call returns GitHub's reply; `ok()` says whether it did the work.
// A reply that could not be made (no installation, GitHub down) is the
// failing reply of the step that failed.
// Thread-safe: the caches are behind a mutex; calls run concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "github/app_jwt.h"
#include "github/rest_client.h"

namespace github {

struct GitHubOptions {
  RestOptions rest;
  std::string token;   // a personal access token, or
  std::string app_id;  // a GitHub App's id with its key
  std::optional<AppKey> app_key;
  std::chrono::seconds token_margin{300};
};

struct Repository {
  std::string owner;
  std::string name;
};

// A commit status: state is "pending", "success", "failure" or "error".
struct CommitStatus {
  std::string state;
  std::string context;
  std::string description;  // GitHub keeps 140 characters
  std::string target_url;
};

// One entry of a hook's recent deliveries.
struct Delivery {
  std::int64_t id = 0;
  std::string guid;  // X-GitHub-Delivery; redeliveries keep the first's
  long status_code = 0;  // what FactoryCI answered; 0 when it could not be reached
  bool redelivery = false;
};

class GitHub {
 public:
  explicit GitHub(GitHubOptions options);

  bool is_app() const { return options_.app_key.has_value(); }
  // Ends the calls under way and refuses later ones (RestClient::stop).
  void stop() { rest_.stop(); }

  // A hook sending push and pull_request events as JSON to `url`, signed
  // with `secret`; the reply's body has its "id".
  RestReply create_hook(const Repository& repository, const std::string& url, const std::string& secret);
  RestReply delete_hook(const Repository& repository, std::int64_t hook_id);
  // Signs the hook's deliveries with `secret` from now on (and sends them to
  // `url`, unless it is empty).
  RestReply update_hook(const Repository& repository, std::int64_t hook_id, const std::string& url,
                        const std::string& secret);
  RestReply set_status(const Repository& repository, const std::string& sha, const CommitStatus& status);
  // The hook's latest deliveries, newest first (one page of up to 100).
  RestReply list_deliveries(const Repository& repository, std::int64_t hook_id, std::vector<Delivery>& deliveries);
  RestReply redeliver(const Repository& repository, std::int64_t hook_id, std::int64_t delivery_id);
  // An App only: a new installation token that can read this repository's
  // contents and nothing else, for an agent to clone with; the body has
  // "token". Not cached: each workflow gets its own.
  RestReply clone_token(const Repository& repository);
  // What `login` may do in the repository: the body's "permission" is
  // "admin", "write", "read" or "none", its "role_name" perhaps finer
  // ("maintain", "triage"). 404 when the login is no GitHub user.
  RestReply permission(const Repository& repository, const std::string& login);

 private:
  struct CachedToken {
    std::string token;
    std::chrono::system_clock::time_point expires_at;
  };

  // Sets "Bearer …" for calls about `repository`; else the reply that refused one.
  std::optional<RestReply> authorize(const Repository& repository, std::string& authorization);
  std::optional<RestReply> installation_of(const Repository& repository, std::int64_t& installation);
  RestReply call(const Repository& repository, const std::string& method, const std::string& path,
                 const nlohmann::json& body = nullptr);
  std::string app_authorization() const;

  GitHubOptions options_;
  RestClient rest_;
  std::mutex mutex_;
  std::map<std::string, std::int64_t> installations_;  // "owner/name" → installation id
  std::map<std::int64_t, CachedToken> tokens_;         // installation id → its token
};

// "2016-07-11T22:14:10Z" → that time; nullopt when it is not such a time.
std::optional<std::chrono::system_clock::time_point> parse_github_time(const std::string& text);

}  // namespace github
