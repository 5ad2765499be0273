// A stand-in for GitHub's REST API, on 127.0.0.1, for tests: real GitHub is
// not reachable from the test machines. It implements the documented
// endpoints FactoryCI calls (docs.github.com/rest, API version 2022-11-28)
// and refuses malformed calls as GitHub does:
//   GET  /repos/{owner}/{repo}/installation                 app JWT
//   POST /app/installations/{id}/access_tokens              app JWT → 201 {token, expires_at}
//   POST /repos/{owner}/{repo}/hooks                        → 201 {id}; 422 without config.url
//   PATCH /repos/{owner}/{repo}/hooks/{hook_id}/config      → 200 the config; 404 unknown hook
//   DELETE /repos/{owner}/{repo}/hooks/{hook_id}            → 204; 404 unknown hook
//   POST /repos/{owner}/{repo}/statuses/{sha}               → 201; 422 on a bad state
//   GET  /repos/{owner}/{repo}/hooks/{hook_id}/deliveries   → the deliveries the test added
//   POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts → 202, and
//        sends the delivery's payload to the hook's URL again, signed as GitHub signs it
//   GET  /repos/{owner}/{repo}/collaborators/{username}/permission → {permission, role_name, user};
//        404 for an unknown user
// and the OAuth web flow on the same host (docs.github.com "Authorizing OAuth apps"):
//   GET  /login/oauth/authorize?client_id&redirect_uri&state → 302 to redirect_uri with code and
//        state, for the user of sign_in_as (403 when none); 404 for an unknown client_id
//   POST /login/oauth/access_token (form or JSON) → {access_token, token_type, scope}, or with
//        200 the documented {error, error_description, error_uri}: incorrect_client_credentials,
//        bad_verification_code (unknown, used or older than ten minutes), redirect_uri_mismatch
//   GET  /user                                              a user token → the user
// App JWTs are checked as GitHub checks them: RS256 signature under the
// app's public key, iss = the app id, exp at most ten minutes ahead. Other
// calls need a token the stand-in issued (not expired) or the personal
// token it was given; anything else is 401 "Bad credentials". Unknown
// repositories are 404. Every call is recorded; failures can be injected.
// Thread-safe.
#pragma once

#include <openssl/evp.h>

#include <chrono>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "http/server.h"

namespace githubtest {

// A fresh RSA key pair, made at test time (no private key is committed).
class RsaKey {
 public:
  RsaKey();
  std::string private_pem() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

struct Call {
  std::string method;
  std::string path;
  std::string authorization;
  nlohmann::json body;
};

struct StandinDelivery {
  std::int64_t id = 0;
  std::string guid;
  long status_code = 0;
  bool redelivery = false;
  std::string event;
  std::string payload;
};

class GitHubStandin {
 public:
  static constexpr const char* kAppId = "4242";
  static constexpr std::int64_t kInstallationId = 77;
  // The OAuth app's credentials (of the GitHub App, or an OAuth App).
  static constexpr const char* kClientId = "Iv1.standin0client";
  static constexpr const char* kClientSecret = "standin-client-secret";

  GitHubStandin();
  ~GitHubStandin();

  std::string url() const;
  const RsaKey& app_key() const { return app_key_; }

  // Repositories the app is installed on (others are 404).
  void add_repository(const std::string& full_name);
  // A personal access token that works for every repository.
  void accept_personal_token(const std::string& token);
  // How long issued installation tokens live (GitHub: one hour).
  void set_token_lifetime(std::chrono::seconds lifetime);
  // Called with each installation token as it is issued, before GitHub's
  // answer leaves (a git server of the test learns the tokens it accepts).
  void on_token_issued(std::function<void(const std::string&)> issued);

  // The next `count` calls (any endpoint) answer `status` (a 5xx).
  void fail_next(int count, int status = 503);
  // The next call is refused for rate limiting: 429 with Retry-After
  // `seconds`, or, with `primary`, 403 with X-RateLimit-Remaining: 0 and a
  // reset `seconds` from now.
  void rate_limit_next(int seconds, bool primary = false);
  // The next answer that succeeds says the rate limit is used up
  // (X-RateLimit-Remaining: 0) until `seconds` from now; calls before then
  // are refused with 403.
  void use_up_rate_limit(int seconds);

  // A delivery of hook `hook_id` as GitHub lists it, FactoryCI having
  // answered `status_code`; redelivering it sends `payload` again.
  void add_delivery(std::int64_t hook_id, StandinDelivery delivery);
  // Sends a delivery to the hook's URL as GitHub does (and lists it after);
  // the status FactoryCI answered, 0 when it could not be reached.
  long deliver(std::int64_t hook_id, const std::string& event, const std::string& guid, const std::string& payload);

  // The GitHub user that the next authorizations sign in (made on first
  // use, with a numeric id of its own and the name "User <login>").
  void sign_in_as(const std::string& login);
  // The permission of `login` on repository "owner/name": "read",
  // "triage", "write", "maintain" or "admin" (unset: none). Makes the user.
  void set_permission(const std::string& repository, const std::string& login, const std::string& permission);

  std::vector<Call> calls() const;
  std::vector<Call> calls_to(const std::string& method, const std::string& path_part) const;
  // The statuses set on a commit, in the order they arrived.
  std::vector<nlohmann::json> statuses(const std::string& sha) const;
  // Live hooks: id → the hook as created.
  std::map<std::int64_t, nlohmann::json> hooks() const;
  std::vector<std::string> issued_tokens() const;

 private:
  struct State;
  http::Router routes();
  void add_oauth_routes(http::Router& router);

  RsaKey app_key_;
  std::shared_ptr<State> state_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace githubtest
