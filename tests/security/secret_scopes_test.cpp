// Red team: a secret scoped to tags and the `deploy` pipeline (docs/secrets.md,
// "Scopes") must reach a tag's deploy executions, every matrix instance of
// them, and nothing else: not a push, not a pull request, not another
// pipeline of the same tag's workflow. Default-scoped secrets reach pushes
// but not pull requests; a secret that lists pull_request reaches a pull
// request from the repository, never one from a fork. Real server, real
// agents, real webhooks; each execution prints which secrets it got.
#include <string>

#include "cli/ci_server.h"

namespace clitest {
namespace {

constexpr const char* kDeployValue = "tag-deploy-value-Qx71";

// Every execution runs show.sh: which secrets its environment holds (never
// their values), and the deploy secret's value as the repository has it, so
// that the log shows whether the job's mask covers it.
constexpr const char* kShowScript =
    "printf 'got: TAG_DEPLOY=%s PLAIN=%s PR_OK=%s\\n' \"${TAG_DEPLOY:+yes}\" \"${PLAIN:+yes}\" \"${PR_OK:+yes}\"\n"
    "echo \"known: $(cat known.txt)\"\n";

constexpr const char* kConfiguration = R"(pipeline "deploy" {
  matrix {
    target = ["prod", "staging"]
  }
  stage "ship" {
    exec "show" {
      run = "sh show.sh"
    }
  }
}
pipeline "build" {
  stage "make" {
    exec "show" {
      run = "sh show.sh"
    }
  }
}
)";

class SecretScopes : public CiServer {
 protected:
  void SetUp() override {
    write_file(".factory/ci.hcl", kConfiguration);
    write_file("show.sh", kShowScript);
    write_file("known.txt", std::string(kDeployValue) + "\n");
    sha_ = create_repository();
    git("tag v1.0");
    push("--tags");
    push("main:refs/heads/feature");
    push(sha_ + ":refs/pull/1/head");  // where GitHub keeps a fork's commits
    start();
    put_secret("TAG_DEPLOY", kDeployValue, {{"events", {"tag"}}, {"pipelines", {"deploy"}}});
    put_secret("PLAIN", "plain-value-Lm20");
    put_secret("PR_OK", "review-value-Vb93", {{"events", {"push", "pull_request"}}});
  }

  // What show.sh printed in `pipeline` of a workflow that succeeded.
  std::string shown(const json& workflow, const std::string& pipeline) {
    const json execution = first_execution(workflow, pipeline);
    if (execution.is_null()) return "no execution in " + pipeline + ": " + workflow.dump(1);
    return log(execution);
  }

  std::string sha_;
};

TEST_F(SecretScopes, EachSecretReachesOnlyTheEventsBranchesAndPipelinesItNames) {
  const std::string tag = push_hook("refs/tags/v1.0", sha_);
  const std::string push = push_hook("refs/heads/main", sha_);
  const std::string own_pull = pull_request_hook("feature", sha_, "main");
  const std::string fork_pull = pull_request_hook("patch-1", sha_, "main", "mallory/rocket");
  ASSERT_EQ(api("POST", "/api/v1/workflows/" + fork_pull + "/approve").status, 200);  // it waits for approval

  const json tagged = wait_for_end(tag, 60s);
  ASSERT_EQ(tagged["status"], "success") << tagged.dump(1);
  for (const char* instance : {"deploy (prod)", "deploy (staging)"}) {
    EXPECT_TRUE(contains(shown(tagged, instance), "got: TAG_DEPLOY=yes PLAIN=yes PR_OK=\n")) << shown(tagged, instance);
    EXPECT_TRUE(contains(shown(tagged, instance), "known: ***\n")) << shown(tagged, instance);
  }
  // Another pipeline of the same workflow: the job carries the secret, so
  // its value is still masked there, but the environment never had it.
  EXPECT_TRUE(contains(shown(tagged, "build"), "got: TAG_DEPLOY= PLAIN=yes PR_OK=\n")) << shown(tagged, "build");
  EXPECT_TRUE(contains(shown(tagged, "build"), "known: ***\n")) << shown(tagged, "build");

  const json pushed = wait_for_end(push, 60s);
  ASSERT_EQ(pushed["status"], "success") << pushed.dump(1);
  for (const char* pipeline : {"deploy (prod)", "build"})
    EXPECT_TRUE(contains(shown(pushed, pipeline), "got: TAG_DEPLOY= PLAIN=yes PR_OK=yes\n")) << shown(pushed, pipeline);

  const json own = wait_for_end(own_pull, 60s);
  ASSERT_EQ(own["status"], "success") << own.dump(1);
  EXPECT_FALSE(own["event"]["from_fork"].get<bool>());
  for (const char* pipeline : {"deploy (prod)", "build"})
    EXPECT_TRUE(contains(shown(own, pipeline), "got: TAG_DEPLOY= PLAIN= PR_OK=yes\n")) << shown(own, pipeline);

  const json fork = wait_for_end(fork_pull, 60s);
  ASSERT_EQ(fork["status"], "success") << fork.dump(1);
  EXPECT_TRUE(fork["event"]["from_fork"].get<bool>());
  for (const char* pipeline : {"deploy (prod)", "build"})
    EXPECT_TRUE(contains(shown(fork, pipeline), "got: TAG_DEPLOY= PLAIN= PR_OK=\n")) << shown(fork, pipeline);

  // Where no job carried the deploy secret, nothing masks its value.
  EXPECT_TRUE(contains(shown(pushed, "build"), std::string("known: ") + kDeployValue + "\n")) << shown(pushed, "build");
}

}  // namespace
}  // namespace clitest
