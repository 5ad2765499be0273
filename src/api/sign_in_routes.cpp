// Signing in with GitHub (docs/people.md#signing-in):
//   GET  /auth/github?return_to=/path  → 302 to GitHub, with a single-use
//        state, kept in the store (by its hash) for ten minutes and in a
//        cookie of this browser;
//   GET  /auth/github/callback?code&state → the state checked against both,
//        the code traded for the user, a session made: cookie
//        factory_session, 302 to return_to (a path of this server only);
//   POST /auth/signout → 204, the session ended on the server;
//   GET  /api/v1/auth (public), GET /api/v1/user (who is signed in).
#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/routes.h"
#include "store/token_secret.h"

namespace api {

namespace {

using nlohmann::json;

constexpr std::chrono::minutes kStateLifetime{10};
constexpr std::string_view kStateCookie = "factory_sign_in";

bool secure(const ApiOptions& options) { return options.public_url.starts_with("https://"); }

// Set-Cookie for `name`: HttpOnly, SameSite=Lax (sent when GitHub sends the
// browser back, not with other sites' requests that change something).
std::string set_cookie(const ApiOptions& options, std::string_view name, std::string_view value,
                       std::string_view path, std::chrono::seconds max_age) {
  return std::string{name} + "=" + std::string{value} + "; HttpOnly; SameSite=Lax; Path=" + std::string{path} +
         "; Max-Age=" + std::to_string(max_age.count()) + (secure(options) ? "; Secure" : "");
}

// Only a path of this server: "/x", never "//host" or "/\host", which
// browsers take for another site.
std::string checked_return_to(const http::Request& request) {
  const std::string_view path = request.query("return_to").value_or("/");
  const bool local = path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") &&
                     std::none_of(path.begin(), path.end(), [](char c) { return c == '\\' || c < 0x20 || c == 0x7f; });
  if (!local || path.size() > 2048)
    fail(400, "invalid", "return_to must be a path of this server, starting with a single '/'");
  return std::string{path};
}

void require_sign_in(const ApiOptions& options) {
  if (options.sign_in.client_id.empty())
    fail(404, "not_found",
         "signing in with GitHub is not set up on this server (the admin sets --github-client-id and "
         "--github-client-secret)");
}

std::string redirect_uri(const ApiOptions& options) { return options.public_url + "/auth/github/callback"; }

http::Response redirect(const std::string& location) {
  http::Response response;
  response.status = 302;
  response.headers.set("Location", location);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

http::Response start_sign_in(const Routes& routes, const http::Request& request) {
  const ApiOptions& options = routes.options;
  require_sign_in(options);
  const std::string return_to = checked_return_to(request);
  const std::string state = store::random_hex(32);
  unwrap(routes.store.save_sign_in_state(state, return_to, now(options), kStateLifetime));
  http::Response response = redirect(github::authorize_url(options.sign_in, redirect_uri(options), state));
  response.headers.add("Set-Cookie", set_cookie(options, kStateCookie, state, "/auth/github", kStateLifetime));
  return response;
}

// The return_to of the sign-in this callback ends, which must have started
// in this browser: the state in the URL is also in its cookie.
std::string take_state(const Routes& routes, const http::Request& request) {
  const std::string_view state = request.query("state").value_or("");
  const auto in_cookie = cookie(request, kStateCookie);
  if (state.empty() || !in_cookie || *in_cookie != state)
    fail(400, "sign_in", "this sign-in did not start in this browser, or took too long: sign in again");
  auto return_to = routes.store.take_sign_in_state(state, now(routes.options));
  if (!return_to && return_to.error().kind == store::ErrorKind::NotFound)
    fail(400, "sign_in", "this sign-in was used already or took longer than ten minutes: sign in again");
  return unwrap(std::move(return_to));
}

http::Response finish_sign_in(const Routes& routes, http::Request& request) {
  const ApiOptions& options = routes.options;
  require_sign_in(options);
  if (const auto error = request.query("error"))
    fail(403, "sign_in", "GitHub did not sign you in (" + std::string{*error} + ")");
  const std::string return_to = take_state(routes, request);
  const auto token = github::exchange_code(options.sign_in, std::string{request.query("code").value_or("")},
                                           redirect_uri(options));
  if (!token.value) fail(502, "github", token.problem);
  const auto account = github::signed_in_user(options.sign_in, *token.value);
  if (!account.value) fail(502, "github", account.problem);
  const store::User user = unwrap(routes.store.sign_in_user(
      {.id = account.value->id, .login = account.value->login, .name = account.value->name,
       .avatar_url = account.value->avatar_url}));
  const store::CreatedSession created = unwrap(routes.store.create_session(user.id, now(options), options.sessions));
  request.context = Caller{.kind = Caller::Kind::User, .user_id = user.id, .login = user.login, .by_session = true};
  audit(routes, request, "user.sign_in", {}, {});
  http::Response response = redirect(return_to);
  response.headers.add("Set-Cookie", set_cookie(options, kStateCookie, "", "/auth/github", std::chrono::seconds{0}));
  response.headers.add("Set-Cookie",
                       set_cookie(options, kSessionCookie, created.secret, "/",
                                  std::chrono::duration_cast<std::chrono::seconds>(options.sessions.lifetime)));
  return response;
}

http::Response sign_out(const Routes& routes, const http::Request& request) {
  const Caller& caller = caller_of(request);
  if (caller.by_session) {
    unwrap(routes.store.end_session(*cookie(request, kSessionCookie)));
    audit(routes, request, "user.sign_out", {}, {});
  }
  http::Response response = no_content();
  response.headers.add("Set-Cookie", set_cookie(routes.options, kSessionCookie, "", "/", std::chrono::seconds{0}));
  return response;
}

json user_view(const Routes& routes, const Caller& caller) {
  if (caller.kind != Caller::Kind::User)
    return {{"login", caller.name()}, {"name", ""}, {"avatar_url", ""}, {"server_admin", caller.server_admin},
            {"csrf_token", nullptr}};
  const store::User user = unwrap(routes.store.get_user(caller.user_id));
  return {{"login", user.login},
          {"name", user.name},
          {"avatar_url", user.avatar_url},
          {"server_admin", caller.server_admin},
          {"csrf_token", caller.by_session ? json(caller.csrf_token) : json(nullptr)}};
}

}  // namespace

void add_sign_in_routes(const Routes& routes) {
  routes.add("GET", "/auth/github", "sign in", access::anyone,
             [routes](http::Request& request) { return start_sign_in(routes, request); });
  routes.add("GET", "/auth/github/callback", "sign in", access::anyone,
             [routes](http::Request& request) { return finish_sign_in(routes, request); });
  routes.add("POST", "/auth/signout", "sign out", access::anyone,
             [routes](http::Request& request) { return sign_out(routes, request); });
  routes.add("GET", "/api/v1/auth", "auth", access::anyone, [routes](http::Request&) {
    return http::Response::json(200, {{"github", !routes.options.sign_in.client_id.empty()}});
  });
  routes.add("GET", "/api/v1/user", "user", access::signed_in, [routes](http::Request& request) {
    return http::Response::json(200, user_view(routes, caller_of(request)));
  });
}

}  // namespace api
