// Signing in end to end: a real `factory server` process with the sign-in
// settings, the stand-in GitHub as both GitHub's web host and its API, and
// roles from the repository permissions the stand-in says.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../http/test_support.h"
#include "github_standin.h"
#include "server_process.h"

namespace server::testing {
namespace {

using githubtest::GitHubStandin;
using http::testing::Reply;
using nlohmann::json;

std::string cookie_value(const std::string& set_cookie) {
  return set_cookie.substr(set_cookie.find('=') + 1, set_cookie.find(';') - set_cookie.find('=') - 1);
}

std::string target_of(const std::string& url) { return url.substr(url.find('/', url.find("://") + 3)); }

class SignInServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    standin_.accept_personal_token("ghp_server");
    standin_.add_repository("acme/rocket");
    std::ofstream{temp_.path() / "client-secret"} << GitHubStandin::kClientSecret << "\n";
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--data-dir", (temp_.path() / "data").string(), "--public-url", "http://ci.invalid",
                                 "--github-url", standin_.url(), "--github-api-url", standin_.url(),
                                 "--github-token", "ghp_server", "--github-client-id", GitHubStandin::kClientId,
                                 "--github-client-secret", (temp_.path() / "client-secret").string(), "--admin",
                                 "hubot", "--admin", "mona", "--provisioner", "pool"});
    ASSERT_NE(server_->port(), 0) << server_->child().err();
    client_ = std::make_unique<http::testing::Client>(server_->port());
  }

  std::string sign_in(const std::string& login) {
    standin_.sign_in_as(login);
    const Reply begun = client_->get("/auth/github?return_to=/");
    EXPECT_EQ(begun.status, 302) << begun.body;
    http::testing::Client github{static_cast<std::uint16_t>(std::stoi(standin_.url().substr(standin_.url().rfind(':') + 1)))};
    const Reply authorized = github.get(target_of(begun.headers.at("location")));
    EXPECT_EQ(authorized.status, 302) << authorized.body;
    const Reply done = client_->request("GET", target_of(authorized.headers.at("location")), {},
                                        {"Cookie: factory_sign_in=" + cookie_value(begun.headers.at("set-cookie"))});
    EXPECT_EQ(done.status, 302) << done.body;
    const std::string session_cookie = done.headers.at("set-cookie");
    EXPECT_EQ(session_cookie.find("Secure"), std::string::npos);  // the public URL is http://
    EXPECT_NE(session_cookie.find("HttpOnly; SameSite=Lax; Path=/; Max-Age=604800"), std::string::npos)
        << session_cookie;
    return cookie_value(session_cookie);
  }

  json get(const std::string& session, const std::string& target, long status = 200) {
    const Reply reply = client_->request("GET", target, {}, {"Cookie: factory_session=" + session});
    EXPECT_EQ(reply.status, status) << target << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }

  GitHubStandin standin_;
  TempDir temp_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<http::testing::Client> client_;
};

TEST_F(SignInServerTest, AdminsFromTheFlagsAndRolesFromGitHub) {
  EXPECT_EQ(json::parse(client_->get("/api/v1/auth").body)["github"], true);
  EXPECT_EQ(get(sign_in("mona"), "/api/v1/user")["server_admin"], true);  // the second --admin

  std::string token;
  std::ifstream{temp_.path() / "data" / "admin.token"} >> token;
  const Reply created = client_->request(
      "POST", "/api/v1/projects",
      json{{"owner", "acme"}, {"name", "rocket"}, {"url", standin_.url() + "/acme/rocket.git"},
           {"create_webhook", false}}.dump(),
      {"Authorization: Bearer " + token, "Content-Type: application/json"});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string project = "/api/v1/projects/" + json::parse(created.body)["id"].get<std::string>();

  standin_.set_permission("acme/rocket", "dev", "maintain");
  const std::string dev = sign_in("dev");
  const json me = get(dev, "/api/v1/user");
  EXPECT_EQ(me["login"], "dev");
  EXPECT_EQ(me["server_admin"], false);
  EXPECT_EQ(get(dev, project)["role"], "write");
  EXPECT_EQ(standin_.calls_to("GET", "/collaborators/dev/permission").size(), 1u);
  get(sign_in("stranger"), project, 404);  // no permission: the project is not there
}

}  // namespace
}  // namespace server::testing
