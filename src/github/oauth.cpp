#include "github/oauth.h"

#include "core/percent.h"
#include "http_client/http_client.h"

namespace github {

namespace {

using nlohmann::json;

std::string field(const json& body, const char* name) {
  return body.is_object() && body.contains(name) && body[name].is_string() ? body[name].get<std::string>() : "";
}

// "HOST[:PORT]" of an http(s):// URL; empty for anything else.
std::string host_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const std::string rest = url.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// "OWNER/NAME[.git]" with nothing after, into a Repository.
std::optional<Repository> owner_and_name(std::string path) {
  while (path.ends_with('/')) path.pop_back();
  if (path.ends_with(".git")) path.resize(path.size() - 4);
  const auto slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size() ||
      path.find_first_of("/?#", slash + 1) != std::string::npos)
    return std::nullopt;
  return Repository{path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

std::string authorize_url(const OAuthApp& app, const std::string& redirect_uri, const std::string& state) {
  return app.web_url + "/login/oauth/authorize?client_id=" + core::percent_encode(app.client_id) +
         "&redirect_uri=" + core::percent_encode(redirect_uri) + "&state=" + core::percent_encode(state) +
         "&allow_signup=false";
}

OAuthResult<std::string> exchange_code(const OAuthApp& app, const std::string& code, const std::string& redirect_uri) {
  const http_client::Request request{
      .method = "POST",
      .url = app.web_url + "/login/oauth/access_token",
      .headers = {"Accept: application/json", "Content-Type: application/x-www-form-urlencoded"},
      .body = "client_id=" + core::percent_encode(app.client_id) +
              "&client_secret=" + core::percent_encode(app.client_secret) + "&code=" + core::percent_encode(code) +
              "&redirect_uri=" + core::percent_encode(redirect_uri),
      .user_agent = "FactoryCI",
  };
  const http_client::Reply reply = http_client::Client{}.perform(request);
  if (reply.status == 0) return {.problem = "GitHub could not be reached: " + reply.error};
  const json body = json::parse(reply.body, nullptr, false);
  // GitHub answers 200 with {"error", "error_description"} when it refuses.
  if (const std::string error = field(body, "error"); !error.empty())
    return {.problem = "GitHub refused the sign-in (" + error + "): " + field(body, "error_description")};
  const std::string token = field(body, "access_token");
  if (reply.status != 200 || token.empty())
    return {.problem = "GitHub answered " + std::to_string(reply.status) + " without an access token"};
  return {.value = token};
}

OAuthResult<Account> signed_in_user(const OAuthApp& app, const std::string& token) {
  const RestReply reply = RestClient{{.api_url = app.api_url, .attempts = 2}}.call("GET", "/user", "Bearer " + token);
  if (!reply.ok()) return {.problem = "GitHub did not say who signed in: " + reply.problem()};
  const json& body = reply.body;
  if (!body.is_object() || !body["id"].is_number_integer() || field(body, "login").empty())
    return {.problem = "GitHub's answer about the user has no id or login"};
  return {.value = Account{.id = body["id"].get<std::int64_t>(),
                           .login = field(body, "login"),
                           .name = field(body, "name"),
                           .avatar_url = field(body, "avatar_url")}};
}

std::optional<Repository> repository_at(const std::string& web_url, const std::string& project_url) {
  const std::string host = host_of(web_url);
  if (host.empty()) return std::nullopt;
  for (const std::string& prefix : {"https://" + host + "/", "http://" + host + "/", "git@" + host + ":"})
    if (project_url.starts_with(prefix)) return owner_and_name(project_url.substr(prefix.size()));
  return std::nullopt;
}

}  // namespace github
