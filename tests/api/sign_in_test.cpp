// Signing in with GitHub through the stand-in GitHub, on the API's real
// router: the OAuth flow and its refusals, the session cookie, CSRF, expiry
// on a clock the test moves, sign-out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>

#include "../http/test_support.h"
#include "../store/test_database.h"
#include "api/api.h"
#include "github_standin.h"

namespace {

using nlohmann::json;
using http::testing::Reply;
using githubtest::GitHubStandin;
using namespace std::chrono_literals;

// "name=value; attributes" → the value of the Set-Cookie header.
std::string cookie_value(const std::string& set_cookie) {
  return set_cookie.substr(set_cookie.find('=') + 1, set_cookie.find(';') - set_cookie.find('=') - 1);
}

// The path and query of a URL ("http://host:port/path?query" → "/path?query").
std::string target_of(const std::string& url) { return url.substr(url.find('/', url.find("://") + 3)); }

class SignInTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    FACTORY_CREATE_TEST_DATABASE(database_, GetParam());
    auto opened = store::open(database_->url());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    start({.client_id = GitHubStandin::kClientId, .client_secret = GitHubStandin::kClientSecret});
  }

  void start(github::OAuthApp app) {
    app.web_url = app.api_url = github_.url();
    api::ApiOptions options;
    options.public_url = "https://ci.example.com";
    options.admins = {"Octo-Admin"};
    options.sign_in = std::move(app);
    options.sessions = {.idle = 1h, .lifetime = 8h};
    options.clock = [this] { return store::Timestamp{now_.load()}; };
    http::Router router;
    api::add_routes(router, *store_, options);
    client_.reset();
    server_ = http::testing::start_server(std::move(router));
    client_ = std::make_unique<http::testing::Client>(server_->port());
  }

  // GET /auth/github: its answer, and the state cookie it set.
  Reply begin(const std::string& return_to = "/projects") {
    return client_->get("/auth/github?return_to=" + return_to);
  }

  // What GitHub's authorize page answers for the URL FactoryCI sent the browser to.
  Reply authorize(const Reply& begun) {
    http::testing::Client github{static_cast<std::uint16_t>(std::stoi(github_.url().substr(github_.url().rfind(':') + 1)))};
    return github.get(target_of(begun.headers.at("location")));
  }

  // The callback GitHub sends the browser to, with the browser's cookie.
  Reply callback(const Reply& authorized, const std::string& state_cookie) {
    return client_->request("GET", target_of(authorized.headers.at("location")), {},
                            {"Cookie: factory_sign_in=" + state_cookie});
  }

  // The whole flow as `login`; the session cookie's value.
  std::string sign_in(const std::string& login) {
    github_.sign_in_as(login);
    const Reply begun = begin();
    const Reply done = callback(authorize(begun), cookie_value(begun.headers.at("set-cookie")));
    EXPECT_EQ(done.status, 302) << done.body;
    return cookie_value(done.headers.at("set-cookie"));
  }

  Reply as(const std::string& session, const std::string& method, const std::string& target,
           const std::string& body = {}, std::vector<std::string> headers = {}) {
    headers.push_back("Cookie: factory_session=" + session);
    if (!body.empty()) headers.push_back("Content-Type: application/json");
    return client_->request(method, target, body, headers);
  }

  json user(const std::string& session) {
    const Reply reply = as(session, "GET", "/api/v1/user");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return json::parse(reply.body, nullptr, false);
  }

  static std::string error_code(const Reply& reply) {
    const json body = json::parse(reply.body, nullptr, false);
    return body.is_object() ? body["error"]["code"].get<std::string>() : reply.body;
  }

  void advance(std::chrono::milliseconds by) { now_ = now_.load() + by; }

  GitHubStandin github_;
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::atomic<std::chrono::milliseconds> now_{std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())};
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::testing::Client> client_;
};

TEST_P(SignInTest, TheFlowSignsInWithASecureHttpOnlyCookieAndReturnsToThePath) {
  github_.sign_in_as("mona");
  const Reply begun = begin("/projects/abc?tab=secrets");
  ASSERT_EQ(begun.status, 302) << begun.body;
  const std::string location = begun.headers.at("location");
  EXPECT_TRUE(location.starts_with(github_.url() + "/login/oauth/authorize?client_id=Iv1.standin0client")) << location;
  EXPECT_NE(location.find("redirect_uri=https%3A%2F%2Fci.example.com%2Fauth%2Fgithub%2Fcallback"), std::string::npos);
  const std::string state_cookie = begun.headers.at("set-cookie");
  EXPECT_NE(state_cookie.find("HttpOnly; SameSite=Lax; Path=/auth/github; Max-Age=600; Secure"), std::string::npos);

  const Reply done = callback(authorize(begun), cookie_value(state_cookie));
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.headers.at("location"), "/projects/abc?tab=secrets");
  const std::string session_cookie = done.headers.at("set-cookie");
  EXPECT_TRUE(session_cookie.starts_with("factory_session=")) << session_cookie;
  EXPECT_NE(session_cookie.find("; HttpOnly; SameSite=Lax; Path=/; Max-Age=28800; Secure"), std::string::npos)
      << session_cookie;

  const json me = user(cookie_value(session_cookie));
  EXPECT_EQ(me["login"], "mona");
  EXPECT_EQ(me["name"], "User mona");
  EXPECT_TRUE(me["avatar_url"].get<std::string>().starts_with("https://avatars.example.com/u/"));
  EXPECT_EQ(me["server_admin"], false);
  EXPECT_EQ(me["csrf_token"].get<std::string>().size(), 64u);
  EXPECT_EQ(store_->find_user("mona")->name, "User mona");
}

TEST_P(SignInTest, AnAdminNamedInTheSettingsIsAServerAdminWhateverTheCase) {
  EXPECT_EQ(user(sign_in("octo-admin"))["server_admin"], true);
}

TEST_P(SignInTest, TheAuthEndpointSaysWhetherSignInIsSetUp) {
  EXPECT_EQ(json::parse(client_->get("/api/v1/auth").body), (json{{"github", true}}));
  start({});
  EXPECT_EQ(json::parse(client_->get("/api/v1/auth").body), (json{{"github", false}}));
  const Reply off = begin();
  EXPECT_EQ(off.status, 404);
  EXPECT_NE(off.body.find("--github-client-id"), std::string::npos) << off.body;
}

TEST_P(SignInTest, AStateNotFromThisBrowserIsRefused) {
  github_.sign_in_as("mona");
  const Reply begun = begin();
  const Reply authorized = authorize(begun);
  EXPECT_EQ(callback(authorized, "another-browsers-state").status, 400);
  EXPECT_EQ(client_->get(target_of(authorized.headers.at("location"))).status, 400);  // no cookie at all
  // A state made here, but for another browser's sign-in.
  const Reply other = begin();
  const Reply mixed = callback(authorized, cookie_value(other.headers.at("set-cookie")));
  EXPECT_EQ(mixed.status, 400);
  EXPECT_EQ(error_code(mixed), "sign_in");
}

TEST_P(SignInTest, AStateServesOneSignInWithinTenMinutes) {
  github_.sign_in_as("mona");
  const Reply begun = begin();
  const std::string state = cookie_value(begun.headers.at("set-cookie"));
  const Reply authorized = authorize(begun);
  ASSERT_EQ(callback(authorized, state).status, 302);
  EXPECT_EQ(callback(authorized, state).status, 400);  // replayed

  const Reply late = begin();
  const Reply late_authorized = authorize(late);
  advance(11min);
  EXPECT_EQ(callback(late_authorized, cookie_value(late.headers.at("set-cookie"))).status, 400);
}

TEST_P(SignInTest, OnlyAPathOfThisServerIsAReturnTo) {
  for (const std::string target : {"//evil.example.com/x", "https://evil.example.com/", "/%5Cevil.example.com",
                                   "evil.example.com", "/%0D%0ASet-Cookie:x=y"}) {
    const Reply refused = begin(target);
    EXPECT_EQ(refused.status, 400) << target;
    EXPECT_FALSE(refused.headers.contains("location")) << target;
  }
  EXPECT_EQ(begin("/").status, 302);
}

TEST_P(SignInTest, GitHubsRefusalOfTheCodeIsNoSignIn) {
  start({.client_id = GitHubStandin::kClientId, .client_secret = "not-the-secret"});
  github_.sign_in_as("mona");
  const Reply begun = begin();
  const Reply refused = callback(authorize(begun), cookie_value(begun.headers.at("set-cookie")));
  EXPECT_EQ(refused.status, 502);
  EXPECT_NE(refused.body.find("incorrect_client_credentials"), std::string::npos) << refused.body;
  EXPECT_FALSE(refused.headers.contains("set-cookie"));  // no session
  EXPECT_FALSE(store_->find_user("mona").ok());
}

TEST_P(SignInTest, ACookieChangesNothingWithoutTheCsrfToken) {
  const std::string session = sign_in("octo-admin");
  const std::string csrf = user(session)["csrf_token"];
  const Reply refused = as(session, "POST", "/api/v1/owners", R"({"name": "acme"})");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(error_code(refused), "csrf");
  EXPECT_EQ(as(session, "POST", "/api/v1/owners", R"({"name": "acme"})", {"X-CSRF-Token: " + csrf + "0"}).status,
            403);
  EXPECT_FALSE(store_->find_owner("acme").ok());
  EXPECT_EQ(as(session, "POST", "/api/v1/owners", R"({"name": "acme"})", {"X-CSRF-Token: " + csrf}).status, 201);
  // Reading needs no token.
  EXPECT_EQ(as(session, "GET", "/api/v1/owners").status, 200);
}

TEST_P(SignInTest, ASessionEndsWhenIdle) {
  const std::string session = sign_in("mona");
  advance(59min);
  EXPECT_EQ(as(session, "GET", "/api/v1/user").status, 200);  // and seen now
  advance(59min);
  EXPECT_EQ(as(session, "GET", "/api/v1/user").status, 200);
  advance(61min);
  EXPECT_EQ(as(session, "GET", "/api/v1/user").status, 401);
  advance(-61min);
  EXPECT_EQ(as(session, "GET", "/api/v1/user").status, 401);  // deleted, not merely late
}

TEST_P(SignInTest, ASessionEndsAtItsLifetimeHoweverBusy) {
  const std::string session = sign_in("mona");
  for (int hour = 1; hour <= 8; ++hour) {  // 8 × 59 minutes: never idle, 472 minutes old
    advance(1h - 1min);
    ASSERT_EQ(as(session, "GET", "/api/v1/user").status, 200) << hour;
  }
  advance(8min);  // 480 minutes: the eight hours are over
  EXPECT_EQ(as(session, "GET", "/api/v1/user").status, 401);
}

TEST_P(SignInTest, SignOutEndsTheSessionOnTheServer) {
  const std::string session = sign_in("mona");
  const std::string other = sign_in("mona");
  const std::string csrf = user(session)["csrf_token"];
  EXPECT_EQ(as(session, "POST", "/auth/signout").status, 403);  // CSRF: no forced sign-out
  const Reply out = as(session, "POST", "/auth/signout", {}, {"X-CSRF-Token: " + csrf});
  EXPECT_EQ(out.status, 204);
  EXPECT_TRUE(out.headers.at("set-cookie").starts_with("factory_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"));
  const Reply after = as(session, "GET", "/api/v1/user");  // the old cookie, kept by an attacker
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(as(other, "GET", "/api/v1/user").status, 200);  // another browser's session stays
}

TEST_P(SignInTest, SigningInAndOutAreAudited) {
  const std::string session = sign_in("mona");
  const std::string csrf = user(session)["csrf_token"];
  ASSERT_EQ(as(session, "POST", "/auth/signout", {}, {"X-CSRF-Token: " + csrf}).status, 204);
  auto entries = store_->list_audit_entries({.actor = "mona"}, {});
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->items.size(), 2u);
  EXPECT_EQ(entries->items[0].action, "user.sign_out");
  EXPECT_EQ(entries->items[1].action, "user.sign_in");
  for (const store::AuditEntry& entry : entries->items) {
    EXPECT_EQ(entry.address, "127.0.0.1");
    EXPECT_FALSE(entry.user_id.empty()) << entry.action;
  }
}

TEST_P(SignInTest, BearerTokensNeedNoCsrfToken) {
  auto token = store_->create_token("automation");
  ASSERT_TRUE(token);
  const Reply created = client_->request("POST", "/api/v1/owners", R"({"name": "acme"})",
                                         {"Authorization: Bearer " + token->secret, "Content-Type: application/json"});
  EXPECT_EQ(created.status, 201) << created.body;
  const json me = json::parse(client_->request("GET", "/api/v1/user", {}, {"Authorization: Bearer " + token->secret}).body);
  EXPECT_EQ(me["csrf_token"], nullptr);
  EXPECT_EQ(me["server_admin"], true);
}

TEST_P(SignInTest, AStaleCookieIsAnonymous) {
  EXPECT_EQ(as("no-such-session", "GET", "/api/v1/user").status, 401);
  EXPECT_EQ(client_->get("/api/v1/auth").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignInTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string{info.param}; });

}  // namespace
