// Signing people in with GitHub: the web application flow of an OAuth App
// (or of a GitHub App's user tokens), docs.github.com "Authorizing OAuth
// apps":
//   1. the browser goes to authorize_url(...) on GitHub's web host;
//   2. GitHub sends it back to the redirect URI with `code` and `state`;
//   3. exchange_code() trades the code for a user token
//      (POST <web_url>/login/oauth/access_token, client id and secret);
//   4. signed_in_user() reads who that is (GET <api_url>/user).
// Also: which repository a project URL names on that GitHub.
// Thread-safe: every call makes its own HTTP client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "github/github.h"

namespace github {

struct OAuthApp {
  std::string web_url = "https://github.com";  // no trailing slash
  std::string api_url = "https://api.github.com";
  std::string client_id;
  std::string client_secret;
};

// GitHub's account, as GET /user gives it.
struct Account {
  std::int64_t id = 0;
  std::string login;
  std::string name;  // may be empty
  std::string avatar_url;
};

// What a step of the flow gave: a value, or why not in words for the person
// signing in (GitHub's error_description, or what failed on the way).
template <class T>
struct OAuthResult {
  std::optional<T> value;
  std::string problem;
};

// Where to send the browser: <web_url>/login/oauth/authorize with client_id,
// redirect_uri and state (no scope: signing in needs only the public profile).
std::string authorize_url(const OAuthApp& app, const std::string& redirect_uri, const std::string& state);
OAuthResult<std::string> exchange_code(const OAuthApp& app, const std::string& code, const std::string& redirect_uri);
OAuthResult<Account> signed_in_user(const OAuthApp& app, const std::string& token);

// The repository a project URL names on the GitHub at `web_url`
// (https://HOST/OWNER/NAME[.git], git@HOST:OWNER/NAME[.git]); nullopt for
// any other host or shape.
std::optional<Repository> repository_at(const std::string& web_url, const std::string& project_url);

}  // namespace github
