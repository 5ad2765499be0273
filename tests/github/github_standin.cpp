#include "github_standin.h"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <ctime>
#include <stdexcept>

#include "core/percent.h"
#include "github/signature.h"

namespace githubtest {

namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

std::string github_time(Clock::time_point at) {
  const std::time_t seconds = Clock::to_time_t(at);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string random_token() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "ghs_";
  for (unsigned char b : bytes) token += {kHex[b >> 4], kHex[b & 15]};
  return token;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '-') value = 62;
    else if (c == '_') value = 63;
    else return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

bool rs256_verifies(EVP_PKEY* key, std::string_view input, const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  return EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

http::Response message(int status, const std::string& text) {
  return http::Response::json(status, {{"message", text}, {"documentation_url", "https://docs.github.com/rest"}});
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

// Sends a delivery as GitHub does: POST with the event, the delivery's guid
// and the body's signature; the status it got (0: none).
long send_delivery(const std::string& url, const std::string& secret, const StandinDelivery& delivery) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl{curl_easy_init(), curl_easy_cleanup};
  const std::string event = "X-GitHub-Event: " + delivery.event;
  const std::string guid = "X-GitHub-Delivery: " + delivery.guid;
  const std::string signature = "X-Hub-Signature-256: sha256=" + github::hmac_sha256_hex(secret, delivery.payload);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const std::string* header : {&event, &guid, &signature}) headers = curl_slist_append(headers, header->c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, delivery.payload.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(delivery.payload.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &discard);
  long status = 0;
  if (curl_easy_perform(curl.get()) == CURLE_OK) curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return status;
}

}  // namespace

RsaKey::RsaKey() : key_{EVP_RSA_gen(2048), EVP_PKEY_free} {
  if (!key_) throw std::runtime_error("cannot generate an RSA key");
}

std::string RsaKey::private_pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), BIO_free};
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

struct GitHubStandin::State {
  EVP_PKEY* app_key = nullptr;
  mutable std::mutex mutex;
  std::set<std::string> repositories;
  std::set<std::string> personal_tokens;
  std::map<std::string, Clock::time_point> tokens;  // issued → expiry
  std::vector<std::string> issued;
  std::chrono::seconds token_lifetime{3600};
  std::function<void(const std::string&)> token_issued;
  int failures = 0;
  int failure_status = 503;
  std::optional<std::pair<int, bool>> rate_limit;  // seconds, primary
  std::optional<int> use_up_after;                 // seconds the limit stays used up
  std::int64_t used_up_until = 0;                  // Unix seconds
  std::vector<Call> calls;
  std::map<std::string, std::vector<json>> statuses;  // sha → statuses
  std::map<std::int64_t, json> hooks;
  std::map<std::int64_t, std::vector<StandinDelivery>> deliveries;  // hook → newest last
  std::int64_t next_id = 1000;
  // The OAuth flow: users by login (→ id), the one authorizations sign in,
  // codes handed out, user tokens issued.
  struct Grant {
    std::string login;
    std::string redirect_uri;
    Clock::time_point expires;
  };
  std::map<std::string, std::int64_t> users;
  std::string signing_in;
  std::map<std::string, Grant> codes;
  std::map<std::string, std::string> user_tokens;  // token → login
  std::map<std::pair<std::string, std::string>, std::string> permissions;  // (repository, login) → role name

  std::int64_t user_id(const std::string& login) {
    auto [found, added] = users.emplace(login, 0);
    if (added) found->second = ++next_id;
    return found->second;
  }

  json user_json(const std::string& login) {
    return {{"login", login}, {"id", user_id(login)}, {"name", "User " + login},
            {"avatar_url", "https://avatars.example.com/u/" + std::to_string(user_id(login))}, {"type", "User"}};
  }

  // Records the call; the injected failure to answer with, if any.
  std::optional<http::Response> record(const http::Request& request) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) body = nullptr;
    calls.push_back({request.method, request.path, std::string{request.header("Authorization").value_or("")}, body});
    if (failures > 0) {
      --failures;
      return message(failure_status, "Server Error");
    }
    if (unix_now() < used_up_until) {
      http::Response refused = message(403, "API rate limit exceeded");
      refused.headers.set("X-RateLimit-Remaining", "0");
      refused.headers.set("X-RateLimit-Reset", std::to_string(used_up_until));
      return refused;
    }
    if (rate_limit) {
      auto [seconds, primary] = *rate_limit;
      rate_limit.reset();
      http::Response refused = message(primary ? 403 : 429, "API rate limit exceeded");
      if (primary) {
        refused.headers.set("X-RateLimit-Remaining", "0");
        refused.headers.set("X-RateLimit-Reset", std::to_string(unix_now() + seconds));
      } else {
        refused.headers.set("Retry-After", std::to_string(seconds));
      }
      return refused;
    }
    if (request.header("Accept").value_or("") != "application/vnd.github+json" ||
        request.header("X-GitHub-Api-Version").value_or("") != "2022-11-28")
      return message(400, "expected Accept: application/vnd.github+json and X-GitHub-Api-Version: 2022-11-28");
    return std::nullopt;
  }

  std::optional<http::Response> check_jwt(const http::Request& request) const {
    const std::string_view header = request.header("Authorization").value_or("");
    if (!header.starts_with("Bearer ")) return message(401, "A JSON web token could not be decoded");
    const std::string_view jwt = header.substr(7);
    const auto first = jwt.find('.'), last = jwt.rfind('.');
    if (first == std::string_view::npos || first == last) return message(401, "A JSON web token could not be decoded");
    const auto head = base64url_decode(jwt.substr(0, first));
    const auto claims_text = base64url_decode(jwt.substr(first + 1, last - first - 1));
    const auto signature = base64url_decode(jwt.substr(last + 1));
    if (!head || !claims_text || !signature) return message(401, "A JSON web token could not be decoded");
    const json alg = json::parse(*head, nullptr, false);
    const json claims = json::parse(*claims_text, nullptr, false);
    if (!alg.is_object() || alg.value("alg", "") != "RS256" || !claims.is_object())
      return message(401, "A JSON web token could not be decoded");
    if (!rs256_verifies(app_key, jwt.substr(0, last), *signature))
      return message(401, "A JSON web token could not be decoded");
    if (claims.value("iss", "") != kAppId) return message(401, "Integration not found");
    const std::int64_t now = unix_now();
    if (claims.value("exp", std::int64_t{0}) <= now || claims.value("exp", std::int64_t{0}) > now + 600 ||
        claims.value("iat", now + 1) > now)
      return message(401, "'Expiration time' claim ('exp') is too far in the future");
    return std::nullopt;
  }

  std::optional<http::Response> check_token(const http::Request& request) const {
    const std::string_view header = request.header("Authorization").value_or("");
    const std::string token{header.starts_with("Bearer ") ? header.substr(7) : ""};
    if (personal_tokens.contains(token) || user_tokens.contains(token)) return std::nullopt;
    if (auto found = tokens.find(token); found != tokens.end() && found->second > Clock::now()) return std::nullopt;
    return message(401, "Bad credentials");
  }

  std::optional<http::Response> check_repository(const http::Request& request) const {
    const std::string name = std::string{request.param("owner").value_or("")} + "/" +
                             std::string{request.param("repo").value_or("")};
    if (!repositories.contains(name)) return message(404, "Not Found");
    return std::nullopt;
  }

  std::string issue_token() {
    std::string token = random_token();
    tokens[token] = Clock::now() + token_lifetime;
    issued.push_back(token);
    if (token_issued) token_issued(token);
    return token;
  }

  // Sends `delivery` to hook `hook_id` and lists it; the status it got.
  long deliver(std::int64_t hook_id, StandinDelivery delivery) {
    const json& config = hooks[hook_id]["config"];
    delivery.id = ++next_id;
    delivery.status_code = send_delivery(config.value("url", ""), config.value("secret", ""), delivery);
    deliveries[hook_id].push_back(delivery);
    return delivery.status_code;
  }
};

GitHubStandin::GitHubStandin() : state_{std::make_shared<State>()} {
  state_->app_key = app_key_.get();
  server_ = std::make_unique<http::Server>(routes(), http::ServerOptions{.host = "127.0.0.1", .port = 0, .threads = 2,
                                                                         .access_log = {}});
  server_->start();
}

GitHubStandin::~GitHubStandin() { server_->stop(); }

std::string GitHubStandin::url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

http::Router GitHubStandin::routes() {
  http::Router router;
  auto state = state_;
  // Every route: recorded, failures injected, then checked and answered under the lock.
  using Body = std::function<http::Response(State&, http::Request&)>;
  auto add = [&router, state](const std::string& method, const std::string& pattern, bool app_jwt, bool repository,
                              Body body) {
    router.add(method, pattern, [state, app_jwt, repository, body](http::Request& request) {
      std::lock_guard lock{state->mutex};
      if (auto refused = state->record(request)) return *refused;
      if (auto refused = app_jwt ? state->check_jwt(request) : state->check_token(request)) return *refused;
      if (repository)
        if (auto refused = state->check_repository(request)) return *refused;
      http::Response response = body(*state, request);
      if (response.status < 300 && state->use_up_after) {
        state->used_up_until = unix_now() + *std::exchange(state->use_up_after, std::nullopt);
        response.headers.set("X-RateLimit-Remaining", "0");
        response.headers.set("X-RateLimit-Reset", std::to_string(state->used_up_until));
      }
      return response;
    });
  };
  add("GET", "/repos/{owner}/{repo}/installation", true, true, [](State&, http::Request&) {
    return http::Response::json(200, {{"id", kInstallationId}, {"app_id", std::stoi(kAppId)}});
  });
  add("POST", "/app/installations/{id}/access_tokens", true, false, [](State& state, http::Request& request) {
    if (request.param("id") != std::to_string(kInstallationId)) return message(404, "Not Found");
    const std::string token = state.issue_token();
    return http::Response::json(
        201, {{"token", token}, {"expires_at", github_time(state.tokens[token])}, {"repository_selection", "all"}});
  });
  add("POST", "/repos/{owner}/{repo}/hooks", false, true, [](State& state, http::Request& request) {
    const json hook = json::parse(request.body, nullptr, false);
    if (!hook.is_object() || !hook.contains("config") || !hook["config"].is_object() ||
        !hook["config"].value("url", "").starts_with("http"))
      return message(422, "Validation Failed: config.url is missing or not a URL");
    const std::int64_t id = ++state.next_id;
    state.hooks[id] = hook;
    return http::Response::json(201,
                                {{"id", id}, {"type", "Repository"}, {"active", true}, {"config", hook["config"]}});
  });
  add("PATCH", "/repos/{owner}/{repo}/hooks/{hook}/config", false, true, [](State& state, http::Request& request) {
    const auto hook = state.hooks.find(std::stoll(std::string{request.param("hook").value_or("0")}));
    if (hook == state.hooks.end()) return message(404, "Not Found");
    const json config = json::parse(request.body, nullptr, false);
    if (!config.is_object() || (config.contains("url") && !config.value("url", "").starts_with("http")))
      return message(422, "Validation Failed: url is not a URL");
    hook->second["config"].update(config);
    return http::Response::json(200, hook->second["config"]);
  });
  add("DELETE", "/repos/{owner}/{repo}/hooks/{hook}", false, true, [](State& state, http::Request& request) {
    if (state.hooks.erase(std::stoll(std::string{request.param("hook").value_or("0")})) == 0)
      return message(404, "Not Found");
    return http::Response::text(204, "");
  });
  add("POST", "/repos/{owner}/{repo}/statuses/{sha}", false, true, [](State& state, http::Request& request) {
    const json status = json::parse(request.body, nullptr, false);
    static const std::set<std::string> states{"error", "failure", "pending", "success"};
    if (!status.is_object() || !status["state"].is_string() || !states.contains(status["state"].get<std::string>()))
      return message(422, "Validation Failed: state must be error, failure, pending or success");
    if (status.value("description", "").size() > 140) return message(422, "Validation Failed: description is too long");
    state.statuses[std::string{request.param("sha").value_or("")}].push_back(status);
    return http::Response::json(201, status);
  });
  add("GET", "/repos/{owner}/{repo}/hooks/{hook}/deliveries", false, true, [](State& state, http::Request& request) {
    json list = json::array();
    const auto& deliveries = state.deliveries[std::stoll(std::string{request.param("hook").value_or("0")})];
    for (auto each = deliveries.rbegin(); each != deliveries.rend(); ++each)
      list.push_back({{"id", each->id},
                      {"guid", each->guid},
                      {"status_code", each->status_code},
                      {"status", each->status_code >= 200 && each->status_code < 300 ? "OK" : "failed"},
                      {"redelivery", each->redelivery},
                      {"event", each->event}});
    return http::Response::json(200, list);
  });
  add("POST", "/repos/{owner}/{repo}/hooks/{hook}/deliveries/{delivery}/attempts", false, true,
      [](State& state, http::Request& request) {
        const std::int64_t hook_id = std::stoll(std::string{request.param("hook").value_or("0")});
        const std::int64_t delivery_id = std::stoll(std::string{request.param("delivery").value_or("0")});
        auto& deliveries = state.deliveries[hook_id];
        auto found = std::find_if(deliveries.begin(), deliveries.end(),
                                  [&](const StandinDelivery& each) { return each.id == delivery_id; });
        if (found == deliveries.end() || !state.hooks.contains(hook_id)) return message(404, "Not Found");
        StandinDelivery again = *found;
        again.redelivery = true;
        state.deliver(hook_id, std::move(again));
        return http::Response::json(202, json::object());
      });
  add("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", false, true,
      [](State& state, http::Request& request) {
        const std::string login{request.param("username").value_or("")};
        if (!state.users.contains(login)) return message(404, "Not Found");
        const std::string repository = std::string{request.param("owner").value_or("")} + "/" +
                                       std::string{request.param("repo").value_or("")};
        const auto set = state.permissions.find({repository, login});
        const std::string role = set == state.permissions.end() ? "none" : set->second;
        // "permission" folds maintain into write and triage into read, as GitHub's does.
        const std::string permission = role == "maintain" ? "write" : role == "triage" ? "read" : role;
        return http::Response::json(
            200, {{"permission", permission}, {"role_name", role}, {"user", state.user_json(login)}});
      });
  add("GET", "/user", false, false, [](State& state, http::Request& request) {
    const std::string token{request.header("Authorization").value_or("").substr(7)};
    const auto user = state.user_tokens.find(token);
    if (user == state.user_tokens.end()) return message(403, "Resource not accessible by integration");
    return http::Response::json(200, state.user_json(user->second));
  });
  add_oauth_routes(router);
  return router;
}

namespace {

json oauth_error(const std::string& error, const std::string& description, const std::string& anchor) {
  return {{"error", error},
          {"error_description", description},
          {"error_uri", "https://docs.github.com/apps/managing-oauth-apps/"
                        "troubleshooting-oauth-app-access-token-request-errors/#" + anchor}};
}

// The parameters of a token request: a form, or a JSON object.
std::map<std::string, std::string> token_request(const http::Request& request) {
  std::map<std::string, std::string> fields;
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_object()) {
    for (const auto& [name, value] : body.items())
      if (value.is_string()) fields[name] = value.get<std::string>();
  } else if (const auto form = http::parse_query(request.body)) {
    for (const auto& [name, value] : *form) fields[name] = value;
  }
  return fields;
}

}  // namespace

void GitHubStandin::add_oauth_routes(http::Router& router) {
  auto state = state_;
  router.add("GET", "/login/oauth/authorize", [state](http::Request& request) {
    std::lock_guard lock{state->mutex};
    state->calls.push_back({request.method, request.path, {}, nullptr});
    if (request.query("client_id") != std::optional<std::string_view>{kClientId})
      return http::Response::text(404, "Not Found");
    if (state->signing_in.empty()) return http::Response::text(403, "no user signs in (sign_in_as)");
    const std::string redirect_uri{request.query("redirect_uri").value_or("")};
    if (!redirect_uri.starts_with("http")) return http::Response::text(400, "redirect_uri is not a URL");
    const std::string code = random_token().substr(4);
    state->codes[code] = {state->signing_in, redirect_uri, Clock::now() + std::chrono::minutes{10}};
    std::string location = redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&") + "code=" + code;
    if (const auto given = request.query("state")) location += "&state=" + core::percent_encode(*given);
    http::Response response;
    response.status = 302;
    response.headers.set("Location", location);
    return response;
  });
  router.add("POST", "/login/oauth/access_token", [state](http::Request& request) {
    std::lock_guard lock{state->mutex};
    state->calls.push_back({request.method, request.path, {}, nullptr});
    auto fields = token_request(request);
    if (fields["client_id"] != kClientId || fields["client_secret"] != kClientSecret)
      return http::Response::json(200, oauth_error("incorrect_client_credentials",
                                                   "The client_id and/or client_secret passed are incorrect.",
                                                   "incorrect-client-credentials"));
    const auto grant = state->codes.find(fields["code"]);
    if (grant == state->codes.end() || grant->second.expires <= Clock::now())
      return http::Response::json(200, oauth_error("bad_verification_code", "The code passed is incorrect or expired.",
                                                   "bad-verification-code"));
    const auto granted = grant->second;
    state->codes.erase(grant);  // a code is good once
    if (!fields["redirect_uri"].empty() && fields["redirect_uri"] != granted.redirect_uri)
      return http::Response::json(
          200, oauth_error("redirect_uri_mismatch",
                           "The redirect_uri MUST match the registered callback URL for this application.",
                           "redirect-uri-mismatch"));
    std::string token = "gho_" + random_token().substr(4);
    state->user_tokens[token] = granted.login;
    return http::Response::json(200, {{"access_token", token}, {"token_type", "bearer"}, {"scope", ""}});
  });
}

void GitHubStandin::sign_in_as(const std::string& login) {
  std::lock_guard lock{state_->mutex};
  state_->user_id(login);
  state_->signing_in = login;
}

void GitHubStandin::set_permission(const std::string& repository, const std::string& login,
                                   const std::string& permission) {
  std::lock_guard lock{state_->mutex};
  state_->user_id(login);
  state_->permissions[{repository, login}] = permission;
}

void GitHubStandin::add_repository(const std::string& full_name) {
  std::lock_guard lock{state_->mutex};
  state_->repositories.insert(full_name);
}

void GitHubStandin::accept_personal_token(const std::string& token) {
  std::lock_guard lock{state_->mutex};
  state_->personal_tokens.insert(token);
}

void GitHubStandin::set_token_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard lock{state_->mutex};
  state_->token_lifetime = lifetime;
}

void GitHubStandin::on_token_issued(std::function<void(const std::string&)> issued) {
  std::lock_guard lock{state_->mutex};
  state_->token_issued = std::move(issued);
}

void GitHubStandin::fail_next(int count, int status) {
  std::lock_guard lock{state_->mutex};
  state_->failures = count;
  state_->failure_status = status;
}

void GitHubStandin::rate_limit_next(int seconds, bool primary) {
  std::lock_guard lock{state_->mutex};
  state_->rate_limit = {seconds, primary};
}

void GitHubStandin::use_up_rate_limit(int seconds) {
  std::lock_guard lock{state_->mutex};
  state_->use_up_after = seconds;
}

void GitHubStandin::add_delivery(std::int64_t hook_id, StandinDelivery delivery) {
  std::lock_guard lock{state_->mutex};
  state_->deliveries[hook_id].push_back(std::move(delivery));
}

long GitHubStandin::deliver(std::int64_t hook_id, const std::string& event, const std::string& guid,
                            const std::string& payload) {
  std::lock_guard lock{state_->mutex};
  if (!state_->hooks.contains(hook_id)) throw std::invalid_argument("no hook " + std::to_string(hook_id));
  return state_->deliver(hook_id, {.guid = guid, .event = event, .payload = payload});
}

std::vector<Call> GitHubStandin::calls() const {
  std::lock_guard lock{state_->mutex};
  return state_->calls;
}

std::vector<Call> GitHubStandin::calls_to(const std::string& method, const std::string& path_part) const {
  std::vector<Call> found;
  for (Call& call : calls())
    if (call.method == method && call.path.find(path_part) != std::string::npos) found.push_back(std::move(call));
  return found;
}

std::vector<json> GitHubStandin::statuses(const std::string& sha) const {
  std::lock_guard lock{state_->mutex};
  auto found = state_->statuses.find(sha);
  return found == state_->statuses.end() ? std::vector<json>{} : found->second;
}

std::map<std::int64_t, json> GitHubStandin::hooks() const {
  std::lock_guard lock{state_->mutex};
  return state_->hooks;
}

std::vector<std::string> GitHubStandin::issued_tokens() const {
  std::lock_guard lock{state_->mutex};
  return state_->issued;
}

}  // namespace githubtest
