// A pull request's `paths` filters see the files it changes: the agent
// fetches the target branch and enough history for the merge base, from git
// daemon as from any git server, and diffs the base with the pull request's
// head. Where there is no merge base, every pipeline runs and the workflow
// says why.
#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::json;
using clitest::pipeline_statuses;
using Statuses = std::map<std::string, std::string>;

class PullRequestPaths : public CiServer {
 protected:
  void SetUp() override {
    write_file(".factory/ci.hcl", R"(pipeline "docs" {
  filter {
    paths = ["docs/**"]
  }
  stage "build" {
    exec "site" {
      run = "echo building the docs"
    }
  }
}
pipeline "code" {
  filter {
    paths = ["src/**"]
  }
  stage "build" {
    exec "make" {
      run = "echo building the code"
    }
  }
}
)");
    write_file("docs/guide.txt", "the guide\n");
    write_file("src/main.c", "int main() { return 0; }\n");
    create_repository();
    start();
  }

  // A branch from main's current head with one commit writing `path`, pushed; its sha.
  std::string branch_changing(const std::string& branch, const std::string& path) {
    git("checkout -q -b " + branch + " main");
    write_file(path, "changed on " + branch + "\n");
    const std::string sha = commit("change " + path);
    push(branch);
    git("checkout -q main");
    return sha;
  }
};

TEST_F(PullRequestPaths, OnlyThePipelinesOfTheChangedPathsRun) {
  const std::string code = branch_changing("code-only", "src/main.c");
  const std::string docs = branch_changing("docs-only", "docs/guide.txt");
  // main moves on in docs/ after both branches: against main's head, the
  // code branch would seem to change docs/ too; against the merge base it does not.
  write_file("docs/news.txt", "news on main\n");
  commit("news");
  push("main");

  const json code_run = wait_for_end(pull_request_hook("code-only", code, "main"));
  EXPECT_EQ(code_run["status"], "success") << code_run.dump(1);
  EXPECT_EQ(pipeline_statuses(code_run), (Statuses{{"code", "success"}, {"docs", "skipped"}})) << code_run.dump(1);
  EXPECT_EQ(code_run["status_reason"], "");

  const json docs_run = wait_for_end(pull_request_hook("docs-only", docs, "main"));
  EXPECT_EQ(docs_run["status"], "success") << docs_run.dump(1);
  EXPECT_EQ(pipeline_statuses(docs_run), (Statuses{{"code", "skipped"}, {"docs", "success"}})) << docs_run.dump(1);
}

TEST_F(PullRequestPaths, WithoutAMergeBaseEveryPipelineRunsAndTheWorkflowSaysWhy) {
  git("checkout -q --orphan unrelated");
  write_file("src/main.c", "a history of its own\n");
  const std::string sha = commit("unrelated");
  push("unrelated");

  const json view = wait_for_end(pull_request_hook("unrelated", sha, "main"));
  EXPECT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(pipeline_statuses(view), (Statuses{{"code", "success"}, {"docs", "success"}})) << view.dump(1);
  const std::string reason = view["status_reason"];
  EXPECT_TRUE(contains(reason, "paths filters held for every pipeline: the changed paths are unknown")) << reason;
  EXPECT_TRUE(contains(reason, "have no common history")) << reason;
}

}  // namespace
