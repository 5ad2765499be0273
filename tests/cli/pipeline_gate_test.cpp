// Pipeline gates end to end (docs/agents.md, "The pipeline gate"): signed
// webhooks into a real `factory server` whose local agents fetch from
// `git daemon`; concurrency groups across workflows, environments with
// approvals and secrets through the REST API.
#include <algorithm>
#include <set>
#include <thread>

#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::first_execution;
using clitest::json;
using namespace std::chrono_literals;

constexpr const char* kDeployKey = "prod-s3cr3t-key";
// sha256 of kDeployKey: what the deploy prints instead of the masked value.
constexpr const char* kDeployKeyHash = "35bebb5b6961fee45a5b63641492fd4738c5c14370defdd9f2e013f89f63270b";

// A pipeline of one execution, with `attributes` (its gate) before its stage.
std::string gated_pipeline(const std::string& name, const std::string& attributes, const std::string& run) {
  return "pipeline \"" + name + "\" {\n" + attributes + "\n  stage \"ship\" {\n    exec \"ship\" {\n      run = \"" + run +
         "\"\n    }\n  }\n}\n";
}

class PipelineGate : public CiServer {
 protected:
  json pipeline_of(const json& workflow, const std::string& name) { return clitest::pipeline(workflow, name); }
  std::string sha_;
};

// Ten workflows of one group: their deploys never run at the same time,
// a waiting one names the holder, and the newest waiting one supersedes
// the older ones.
TEST_F(PipelineGate, TenWorkflowsOfOneGroupNeverRunTwoDeploysAtOnce) {
  write_file(".factory/ci.hcl", gated_pipeline("deploy", "  concurrency = \"deploy-${event.branch}\"", "sleep 0.5"));
  sha_ = create_repository();
  start({"--max-agents", "10", "--unsandboxed"});
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(push_hook("refs/heads/main", sha_));
  const std::set<std::string> ours(ids.begin(), ids.end());

  // While they run: every waiting deploy names the workflow holding the group.
  std::set<std::string> reasons;
  const auto all_ended = [&] {
    bool ended = true;
    for (const std::string& id : ids) {
      const json view = workflow(id);
      const json deploy = pipeline_of(view, "deploy");
      if (!deploy.is_null() && deploy["status"] == "queued" && !deploy["status_reason"].get<std::string>().empty())
        reasons.insert(deploy["status_reason"].get<std::string>());
      const std::string status = view["status"];
      ended = ended && status != "queued" && status != "running";
    }
    return ended;
  };
  ASSERT_TRUE(clitest::wait_until(all_ended, 90s, 50ms)) << process_logs();
  ASSERT_FALSE(reasons.empty()) << "no deploy was seen waiting";
  for (const std::string& reason : reasons) {
    ASSERT_TRUE(reason.starts_with("waiting for concurrency group \"deploy-main\": held by workflow ")) << reason;
    const std::string holder = reason.substr(reason.find("workflow ") + 9, 36);
    EXPECT_TRUE(ours.contains(holder)) << reason;
    EXPECT_TRUE(contains(reason, "(pipeline \"deploy\")")) << reason;
  }

  // The deploys that ran, as intervals: none overlaps another.
  std::vector<std::pair<std::string, std::string>> intervals;
  int superseded = 0;
  for (const std::string& id : ids) {
    const json deploy = pipeline_of(workflow(id), "deploy");
    ASSERT_FALSE(deploy.is_null());
    if (deploy["status"] == "success") {
      intervals.emplace_back(deploy["started_at"], deploy["finished_at"]);
      continue;
    }
    EXPECT_EQ(deploy["status"], "cancelled") << deploy.dump(1);
    const std::string reason = deploy["status_reason"];
    EXPECT_TRUE(reason.starts_with("superseded by workflow ")) << reason;
    const std::string newer = reason.substr(23, 36);
    EXPECT_TRUE(ours.contains(newer) && newer > id) << reason;
    ++superseded;
  }
  EXPECT_GE(intervals.size(), 2u);
  EXPECT_GE(superseded, 1);
  EXPECT_EQ(pipeline_of(workflow(ids.back()), "deploy")["status"], "success");  // the newest always runs
  std::sort(intervals.begin(), intervals.end());
  for (std::size_t i = 1; i < intervals.size(); ++i)
    EXPECT_LE(intervals[i - 1].second, intervals[i].first) << "two deploys ran at once";
}

// With cancel_in_progress, a newer workflow of the group cancels the one
// whose deploy runs, and runs once it let go.
TEST_F(PipelineGate, CancelInProgressCancelsTheRunningHolder) {
  const std::string gate = "  concurrency = \"deploy\"\n  cancel_in_progress = true";
  write_file(".factory/ci.hcl", gated_pipeline("deploy", gate, "sleep 60"));
  sha_ = create_repository();
  start({"--unsandboxed"});
  const std::string first = push_hook("refs/heads/main", sha_);
  ASSERT_TRUE(clitest::wait_until([&] { return pipeline_of(workflow(first), "deploy")["status"] == "running"; }, 30s,
                                  50ms))
      << process_logs();
  write_file(".factory/ci.hcl", gated_pipeline("deploy", gate, "true"));
  const std::string newer_sha = commit("quick deploy");
  push("main");
  const std::string second = push_hook("refs/heads/main", newer_sha);
  const json cancelled = wait_for_end(first, 30s);
  EXPECT_EQ(cancelled["status"], "cancelled") << cancelled.dump(1);
  EXPECT_EQ(cancelled["actors"]["cancelled_by"], "workflow " + second + " (cancel_in_progress of concurrency group \"deploy\")")
      << cancelled.dump(1);
  const json ran = wait_for_end(second, 30s);
  EXPECT_EQ(ran["status"], "success") << ran.dump(1);
}

// A production deploy waits for an approver; once approved it runs with
// the environment's secret, which a pipeline of another environment never
// sees. The approval is audited.
TEST_F(PipelineGate, AProductionDeployWaitsForApprovalAndGetsTheEnvironmentsSecret) {
  const std::string show_key = "echo key: $${DEPLOY_KEY:-unset}";
  write_file(".factory/ci.hcl",
             gated_pipeline("deploy", "  environment = \"production\"",
                            show_key + "; printf %s $${DEPLOY_KEY:-} | sha256sum") +
                 gated_pipeline("preview", "  environment = \"staging\"", show_key));
  sha_ = create_repository();
  start({"--unsandboxed"});
  const std::string environments = "/api/v1/projects/" + project_id() + "/environments/";
  ASSERT_EQ(api("PUT", environments + "production", json{{"approvers", {"writers"}}, {"branches", {"main"}}}).status,
            201);
  ASSERT_EQ(api("PUT", environments + "staging", json::object()).status, 201);
  ASSERT_EQ(api("PUT", environments + "production/secrets/DEPLOY_KEY", json{{"value", kDeployKey}}).status, 201);

  const std::string id = push_hook("refs/heads/main", sha_);
  json view;
  ASSERT_TRUE(clitest::wait_until(
      [&] {
        view = workflow(id);
        return pipeline_of(view, "deploy")["status"] == "waiting_for_approval" &&
               pipeline_of(view, "preview")["status"] == "success";
      },
      30s, 100ms))
      << view.dump(1) << process_logs();
  const json deploy = pipeline_of(view, "deploy");
  EXPECT_EQ(deploy["gate"]["approval"]["note"], "a person with write access") << deploy.dump(1);
  EXPECT_TRUE(contains(deploy["status_reason"], "waiting for approval by a person with write access"))
      << deploy.dump(1);
  EXPECT_TRUE(contains(log(first_execution(view, "preview")), "key: unset\n"));
  std::this_thread::sleep_for(1500ms);  // it keeps waiting, heartbeats keep its lease
  EXPECT_EQ(pipeline_of(workflow(id), "deploy")["status"], "waiting_for_approval");

  const auto approved = api("POST", "/api/v1/pipelines/" + deploy["id"].get<std::string>() + "/approve");
  ASSERT_EQ(approved.status, 200) << approved.body;
  const json ended = wait_for_end(id);
  ASSERT_EQ(ended["status"], "success") << ended.dump(1);
  const std::string shown = log(first_execution(ended, "deploy"));
  EXPECT_TRUE(contains(shown, "key: ***\n")) << shown;
  EXPECT_TRUE(contains(shown, std::string{kDeployKeyHash} + "  -")) << shown;
  EXPECT_FALSE(contains(shown, kDeployKey));
  EXPECT_TRUE(contains(log(first_execution(ended, "preview")), "key: unset\n"));

  const json audit = get("/api/v1/audit?action=pipeline.approve");
  ASSERT_EQ(audit["items"].size(), 1u) << audit.dump(1);
  EXPECT_TRUE(contains(audit["items"][0]["detail"], "environment production")) << audit.dump(1);
}

// A branch the environment does not allow skips its pipeline, with the reason.
TEST_F(PipelineGate, ABranchTheEnvironmentDoesNotAllowIsSkipped) {
  write_file(".factory/ci.hcl", gated_pipeline("deploy", "  environment = \"production\"", "true"));
  sha_ = create_repository();
  start({"--unsandboxed"});
  ASSERT_EQ(api("PUT", "/api/v1/projects/" + project_id() + "/environments/production",
                json{{"branches", {"main", "release/*"}}})
                .status,
            201);
  const json ended = wait_for_end(push_hook("refs/heads/feature", sha_));
  const json deploy = pipeline_of(ended, "deploy");
  EXPECT_EQ(deploy["status"], "skipped") << ended.dump(1);
  EXPECT_EQ(deploy["status_reason"],
            "branch \"feature\" may not deploy to environment \"production\" (its branches: main, release/*)");
}

// An environment's secrets are masked wherever a reason or a log may carry
// them: in the reasons its gate gives (a branch's name may hold one), and in
// the log of a later pipeline of no environment, which prints a value the
// deploy left in a file (an unsandboxed agent's builds share the machine).
TEST_F(PipelineGate, EnvironmentSecretsAreMaskedInGateReasonsAndInLaterPipelinesLogs) {
  const std::string branch = "release-k3y-2027";
  const std::string handed_over = data_dir() + ".handed-over";
  write_file(".factory/ci.hcl",
             gated_pipeline("deploy", "  environment = \"production\"", "printf %s $${DEPLOY_KEY} > " + handed_over) +
                 gated_pipeline("locked", "  environment = \"locked\"", "true") +
                 gated_pipeline("after", "  depends_on = [\"deploy\"]", "echo read: $(cat " + handed_over + ")"));
  sha_ = create_repository();
  push("main:refs/heads/" + branch);
  start({"--unsandboxed"});
  const std::string environments = "/api/v1/projects/" + project_id() + "/environments/";
  ASSERT_EQ(api("PUT", environments + "production", json::object()).status, 201);
  ASSERT_EQ(api("PUT", environments + "production/secrets/DEPLOY_KEY", json{{"value", kDeployKey}}).status, 201);
  ASSERT_EQ(api("PUT", environments + "locked", json{{"branches", {"main"}}}).status, 201);
  ASSERT_EQ(api("PUT", environments + "locked/secrets/RELEASE_NAME", json{{"value", branch}}).status, 201);

  const json ended = wait_for_end(push_hook("refs/heads/" + branch, sha_));
  const json locked = pipeline_of(ended, "locked");
  EXPECT_EQ(locked["status"], "skipped") << ended.dump(1);
  EXPECT_EQ(locked["status_reason"], "branch \"***\" may not deploy to environment \"locked\" (its branches: main)");
  EXPECT_EQ(pipeline_of(ended, "deploy")["status"], "success") << ended.dump(1);
  const std::string shown = log(first_execution(ended, "after"));
  EXPECT_EQ(shown, "read: ***\n");
  EXPECT_FALSE(contains(shown, kDeployKey));
}

}  // namespace
