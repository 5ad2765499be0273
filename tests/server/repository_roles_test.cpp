// Roles from GitHub permissions, asked of the stand-in GitHub: the mapping,
// the cache and its lifetime on a clock the test moves, and no call for
// projects elsewhere.
#include "server/repository_roles.h"

#include <gtest/gtest.h>

#include "github_standin.h"

namespace {

using api::Role;
using githubtest::GitHubStandin;
using namespace std::chrono_literals;

class RepositoryRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    standin_.accept_personal_token("ghp_test");
    standin_.add_repository("acme/rocket");
  }

  api::Caller user(const std::string& login) {
    return {.kind = api::Caller::Kind::User, .user_id = "u-" + login, .login = login};
  }
  store::Project project(const std::string& url) { return {.owner_name = "acme", .name = "rocket", .url = url}; }
  store::Project rocket() { return project(standin_.url() + "/acme/rocket.git"); }
  std::size_t permission_calls() { return standin_.calls_to("GET", "/permission").size(); }

  GitHubStandin standin_;
  github::GitHub github_{{.rest = {.api_url = standin_.url(), .attempts = 1}, .token = "ghp_test"}};
  std::chrono::steady_clock::time_point now_{};
  server::RepositoryRoles roles_{github_, {.web_url = standin_.url(), .ttl = 60s, .error_ttl = 10s,
                                           .clock = [this] { return now_; }}};
};

TEST_F(RepositoryRolesTest, GitHubPermissionsBecomeRoles) {
  const std::pair<const char*, Role> expected[] = {{"admin", Role::Admin}, {"maintain", Role::Write},
                                                   {"write", Role::Write}, {"triage", Role::Read},
                                                   {"read", Role::Read}};
  for (const auto& [permission, role] : expected) {
    const std::string login = std::string{"user-"} + permission;
    standin_.set_permission("acme/rocket", login, permission);
    EXPECT_EQ(roles_.role(user(login), rocket()), role) << permission;
  }
  standin_.sign_in_as("outsider");  // a GitHub user without permission
  EXPECT_EQ(roles_.role(user("outsider"), rocket()), Role::None);
  EXPECT_EQ(roles_.role(user("nobody-at-all"), rocket()), Role::None);  // 404: no such user
  const auto call = standin_.calls_to("GET", "/collaborators/user-admin/permission");
  ASSERT_EQ(call.size(), 1u);
  EXPECT_EQ(call[0].path, "/repos/acme/rocket/collaborators/user-admin/permission");
  EXPECT_EQ(call[0].authorization, "Bearer ghp_test");  // the server's credentials
}

TEST_F(RepositoryRolesTest, AnswersAreCachedForTheirLifetime) {
  standin_.set_permission("acme/rocket", "mona", "write");
  EXPECT_EQ(roles_.role(user("mona"), rocket()), Role::Write);
  standin_.set_permission("acme/rocket", "mona", "read");
  now_ += 59s;
  EXPECT_EQ(roles_.role(user("Mona"), rocket()), Role::Write);  // logins are case-insensitive
  EXPECT_EQ(permission_calls(), 1u);
  now_ += 2s;
  EXPECT_EQ(roles_.role(user("mona"), rocket()), Role::Read);
  EXPECT_EQ(permission_calls(), 2u);
}

TEST_F(RepositoryRolesTest, FailuresCountAsNoneForAShortWhile) {
  standin_.set_permission("acme/rocket", "mona", "admin");
  standin_.fail_next(1, 502);
  EXPECT_EQ(roles_.role(user("mona"), rocket()), Role::None);
  now_ += 9s;
  EXPECT_EQ(roles_.role(user("mona"), rocket()), Role::None);
  EXPECT_EQ(permission_calls(), 1u);
  now_ += 2s;
  EXPECT_EQ(roles_.role(user("mona"), rocket()), Role::Admin);
}

TEST_F(RepositoryRolesTest, ProjectsElsewhereAndOtherCallersAskNothing) {
  standin_.set_permission("acme/rocket", "mona", "admin");
  EXPECT_EQ(roles_.role(user("mona"), project("https://gitlab.example.com/acme/rocket.git")), Role::None);
  EXPECT_EQ(roles_.role(user("mona"), project(standin_.url() + "/acme")), Role::None);
  EXPECT_EQ(roles_.role({.kind = api::Caller::Kind::AdminToken}, rocket()), Role::None);
  EXPECT_EQ(permission_calls(), 0u);
  // The scp-like form of the same repository is asked about.
  const std::string host = standin_.url().substr(std::string{"http://"}.size());
  EXPECT_EQ(roles_.role(user("mona"), project("git@" + host + ":acme/rocket.git")), Role::Admin);
}

}  // namespace
