// Which events, branches and pipelines a secret's scope reaches, and which
// scopes are refused (config/secret_scope.h, core/secret_scope.h).
#include "config/secret_scope.h"

#include <gtest/gtest.h>

#include "events.h"

namespace config {
namespace {

using testing::pull_request;
using testing::push;
using testing::tag;

core::Event manual(std::string branch) {
  core::Event event = push(std::move(branch));
  event.name = "manual";
  return event;
}

core::Event cron(std::string branch) {
  core::Event event = push(std::move(branch));
  event.name = "cron";
  return event;
}

core::Event from_fork(core::Event event) {
  event.from_fork = true;
  return event;
}

TEST(SecretScopeTest, TheDefaultReachesEveryEventButPullRequestsOnEveryBranch) {
  const core::SecretScope scope;
  EXPECT_TRUE(secret_reaches(scope, push("main")));
  EXPECT_TRUE(secret_reaches(scope, push("feature/x")));
  EXPECT_TRUE(secret_reaches(scope, tag("v1.0")));
  EXPECT_TRUE(secret_reaches(scope, manual("main")));
  EXPECT_TRUE(secret_reaches(scope, cron("main")));
  EXPECT_FALSE(secret_reaches(scope, pull_request("feature/x", "main")));
}

TEST(SecretScopeTest, PullRequestsFromTheRepositoryOnlyWhenListed) {
  const core::SecretScope scope{{"pull_request"}, {}, {}};
  EXPECT_TRUE(secret_reaches(scope, pull_request("feature/x", "main")));
  EXPECT_FALSE(secret_reaches(scope, push("main")));
}

TEST(SecretScopeTest, AForksPullRequestIsNeverReached) {
  const core::SecretScope scope{{"push", "tag", "pull_request", "manual", "cron"}, {}, {}};
  EXPECT_FALSE(secret_reaches(scope, from_fork(pull_request("feature/x", "main"))));
}

TEST(SecretScopeTest, BranchesMatchTheBranchOrAPullRequestsTarget) {
  const core::SecretScope scope{{"push", "manual", "pull_request", "cron"}, {"main", "release/*", "!release/old"}, {}};
  EXPECT_TRUE(secret_reaches(scope, push("main")));
  EXPECT_TRUE(secret_reaches(scope, push("release/2.0")));
  EXPECT_FALSE(secret_reaches(scope, push("release/old")));
  EXPECT_FALSE(secret_reaches(scope, push("feature/x")));
  EXPECT_TRUE(secret_reaches(scope, manual("release/2.0")));
  EXPECT_FALSE(secret_reaches(scope, cron("nightly")));
  // A pull request is judged by where it would land, not where it comes from.
  EXPECT_TRUE(secret_reaches(scope, pull_request("feature/x", "main")));
  EXPECT_FALSE(secret_reaches(scope, pull_request("main", "feature/x")));
}

TEST(SecretScopeTest, AScopeWithBranchesNeverReachesATag) {
  EXPECT_FALSE(secret_reaches({{"tag"}, {"main"}, {}}, tag("v1.0")));
  EXPECT_TRUE(secret_reaches({{"tag"}, {}, {}}, tag("v1.0")));
}

TEST(SecretScopeTest, PipelinesMatchTheBlockLabelOfEveryMatrixInstance) {
  EXPECT_TRUE(core::reaches_pipeline({}, "test"));
  EXPECT_TRUE(core::reaches_pipeline({"deploy", "docs"}, "deploy"));
  EXPECT_FALSE(core::reaches_pipeline({"deploy"}, "test"));
  EXPECT_FALSE(core::reaches_pipeline({"deploy"}, "deploy (prod)"));  // an instance name, never a label
}

TEST(SecretScopeTest, GoodScopesPass) {
  EXPECT_EQ(secret_scope_error({}), std::nullopt);
  EXPECT_EQ(secret_scope_error({{"push", "tag", "pull_request", "manual", "cron"}, {"**", "!wip/*"}, {"deploy"}}),
            std::nullopt);
}

}  // namespace
}  // namespace config
