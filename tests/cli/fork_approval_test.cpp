// Pull requests from forks wait for approval, end to end: signed webhooks
// into a real `factory server`, whose local agents fetch from `git daemon`;
// approvals, settings and results through the REST API (docs/people.md).
#include <thread>

#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::first_execution;
using clitest::json;
using namespace std::chrono_literals;

constexpr const char* kFork = "mallory/rocket";
constexpr const char* kSecretValue = "s3cr3t-hunter2";

// A repository whose one pipeline says whether it got the project's secret.
class ForkApproval : public CiServer {
 protected:
  void SetUp() override {
    write_file(".factory/ci.hcl", R"(pipeline "show" {
  stage "env" {
    exec "key" {
      run = "echo \"key: $${DEPLOY_KEY:-unset}\""
    }
  }
})");
    sha_ = create_repository();
    start();
    // Pull requests may have it (docs/secrets.md): but not those from forks.
    put_secret("DEPLOY_KEY", kSecretValue, {{"events", {"push", "pull_request"}}});
  }

  // The workflow's view, after checking that it is still waiting and that
  // nothing of it ran: no plan, no workspace.
  json still_waiting(const std::string& id) {
    const json view = workflow(id);
    EXPECT_EQ(view["status"], "waiting_for_approval") << view.dump(1);
    EXPECT_TRUE(view["pipelines"].empty()) << view.dump(1);
    EXPECT_TRUE(workspace_of(id).empty()) << "an agent worked on " << id;
    return view;
  }
  http::testing::Reply approve(const std::string& id) { return api("POST", "/api/v1/workflows/" + id + "/approve"); }
  void set_approval(const std::string& setting) {
    const auto reply = api("PUT", "/api/v1/projects/" + project_id(), json{{"fork_pr_approval", setting}});
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  std::string shown_key(const json& ended) { return log(first_execution(ended, "show")); }

  std::string sha_;
};

TEST_F(ForkApproval, AForkPullRequestWaitsIsApprovedAndRunsWithoutSecretsAndANewPushWaitsAgain) {
  const std::string fork = pull_request_hook("patch-1", sha_, "main", kFork);
  // A pull request from the repository itself runs at once, and gets the secret (masked in its log).
  const json own = wait_for_end(pull_request_hook("feature", sha_, "main"));
  ASSERT_EQ(own["status"], "success") << own.dump(1);
  EXPECT_EQ(own["approval"]["required"], false);
  EXPECT_TRUE(contains(shown_key(own), "key: ***\n")) << shown_key(own);
  // Meanwhile the fork's waited: the agent that ran the other left it alone.
  const json waiting = still_waiting(fork);
  EXPECT_EQ(waiting["approval"]["required"], true);
  EXPECT_TRUE(waiting["approval"]["approved_by"].is_null());
  EXPECT_EQ(waiting["approval"]["note"],
            "users with write access to acme/rocket, on GitHub or granted in FactoryCI");
  std::this_thread::sleep_for(1s);
  still_waiting(fork);

  const auto approved = approve(fork);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(json::parse(approved.body)["status"], "queued");
  const json ran = wait_for_end(fork);
  ASSERT_EQ(ran["status"], "success") << ran.dump(1);
  EXPECT_TRUE(ran["event"]["from_fork"].get<bool>());
  EXPECT_TRUE(ran["approval"]["approved_by"].get<std::string>().starts_with("admin token ")) << ran.dump(1);
  EXPECT_TRUE(ran["approval"]["approved_at"].is_string());
  EXPECT_TRUE(contains(shown_key(ran), "key: unset\n")) << shown_key(ran);
  EXPECT_FALSE(contains(shown_key(ran), kSecretValue));
  EXPECT_EQ(approve(fork).status, 409);

  // A new push to the pull request is code nobody approved: it waits again.
  write_file("README.md", "a change from the fork\n");
  const std::string pushed_sha = commit("change from the fork");
  push(pushed_sha + ":refs/pull/1/head");  // where GitHub keeps a fork's commits
  const std::string pushed = pull_request_hook("patch-1", pushed_sha, "main", kFork, "synchronize");
  std::this_thread::sleep_for(1s);
  still_waiting(pushed);
  EXPECT_EQ(workflow(fork)["status"], "success");  // the older one had ended: nothing to supersede

  const auto cancelled = api("POST", "/api/v1/workflows/" + pushed + "/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(workflow(pushed)["status"], "cancelled");
  EXPECT_EQ(approve(pushed).status, 409);
}

TEST_F(ForkApproval, NeverRunsForkPullRequestsAtOnceWithoutSecrets) {
  set_approval("never");
  const json ran = wait_for_end(pull_request_hook("patch-1", sha_, "main", kFork));
  ASSERT_EQ(ran["status"], "success") << ran.dump(1);
  EXPECT_EQ(ran["approval"]["required"], false);
  EXPECT_TRUE(contains(shown_key(ran), "key: unset\n")) << shown_key(ran);
}

TEST_F(ForkApproval, FirstTimeHoldsOnlyFirstTimeContributors) {
  set_approval("first_time");
  const std::string newcomer = pull_request_hook("patch-1", sha_, "main", kFork, "opened", "FIRST_TIME_CONTRIBUTOR");
  const json contributor = wait_for_end(pull_request_hook("patch-2", sha_, "main", kFork, "opened", "CONTRIBUTOR"));
  ASSERT_EQ(contributor["status"], "success") << contributor.dump(1);
  EXPECT_TRUE(contains(shown_key(contributor), "key: unset\n")) << shown_key(contributor);
  still_waiting(newcomer);
  ASSERT_EQ(approve(newcomer).status, 200);
  EXPECT_EQ(wait_for_end(newcomer)["status"], "success");
}

}  // namespace
