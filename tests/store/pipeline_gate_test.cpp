// Pipeline gates on every backend (see store_fixture.h): environments and
// their secrets, approvals, and concurrency groups held by one pipeline at
// a time, let go when it ends, its workflow ends or its lease runs out.
#include <gtest/gtest.h>

#include <thread>

#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

class PipelineGateTest : public ProjectStoreTest {
 protected:
  // A running workflow whose plan has one pipeline, "deploy", gated as given;
  // returns its gate as the agent's first ask finds it.
  PipelineGate running_pipeline(const std::string& group, const std::string& environment = {}) {
    auto enqueued = store_->enqueue_workflow(project_.id, {}, {.name = "push", .branch = "main", .sha = "abc"});
    EXPECT_TRUE(enqueued.ok());
    auto claimed = store_->claim_next_workflow("agent-" + std::to_string(++agents_), 30s, project_.id);
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    core::PipelineSpec deploy{.name = "deploy", .base_name = "deploy", .stages = {{"ship", {{.name = "push"}}}}};
    deploy.concurrency = group;
    deploy.environment = environment;
    auto tree = store_->record_plan(enqueued->id, core::Plan{{deploy}, {}});
    EXPECT_TRUE(tree.ok()) << tree.error().message;
    auto gate = store_->enter_gate(enqueued->id, tree->pipelines.at(0).id);
    EXPECT_TRUE(gate.ok()) << gate.error().message;
    return gate.ok() ? *gate : PipelineGate{};
  }

  static Timestamp now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  GroupClaim::Outcome take(const PipelineGate& gate, Timestamp at = now()) {
    auto claim = store_->take_concurrency_group(gate, at);
    EXPECT_TRUE(claim.ok()) << claim.error().message;
    return claim.ok() ? claim->outcome : GroupClaim::Outcome::Waiting;
  }

  void end_pipeline(const PipelineGate& gate, core::Status status) {
    ASSERT_OK(store_->set_pipeline_status(gate.pipeline_id, {core::Status::Running, {}, {}, {}}));
    ASSERT_OK(store_->set_pipeline_status(gate.pipeline_id, {status, {}, {}, {}}));
  }

  int agents_ = 0;
};

TEST_P(PipelineGateTest, AGateKeepsThePlansSettingsAndWhenItWasFirstAsked) {
  const PipelineGate gate = running_pipeline("deploy-main", "production");
  EXPECT_EQ(gate.project_id, project_.id);
  EXPECT_EQ(gate.name, "deploy");
  EXPECT_EQ(gate.concurrency, "deploy-main");
  EXPECT_EQ(gate.environment, "production");
  ASSERT_TRUE(gate.entered_at.has_value());
  auto again = store_->enter_gate(gate.workflow_id, gate.pipeline_id);
  ASSERT_OK(again);
  EXPECT_EQ(again->entered_at, gate.entered_at);
  EXPECT_ERROR(store_->enter_gate(project_.id, gate.pipeline_id), ErrorKind::NotFound);  // not of that workflow
  auto project = store_->project_of_pipeline(gate.pipeline_id);
  ASSERT_OK(project);
  EXPECT_EQ(*project, project_.id);
}

TEST_P(PipelineGateTest, OnePipelineHoldsAGroupUntilItEnds) {
  const PipelineGate first = running_pipeline("deploy");
  const PipelineGate second = running_pipeline("deploy");
  const PipelineGate elsewhere = running_pipeline("docs");
  EXPECT_EQ(take(first), GroupClaim::Outcome::Holding);
  EXPECT_EQ(take(first), GroupClaim::Outcome::Holding);  // asked again after a lost answer
  EXPECT_EQ(take(elsewhere), GroupClaim::Outcome::Holding);
  auto waiting = store_->take_concurrency_group(second, now());
  ASSERT_OK(waiting);
  EXPECT_EQ(waiting->outcome, GroupClaim::Outcome::Waiting);
  EXPECT_EQ(waiting->workflow_id, first.workflow_id);
  EXPECT_EQ(waiting->pipeline, "deploy");
  end_pipeline(first, core::Status::Success);
  EXPECT_EQ(take(second), GroupClaim::Outcome::Holding);
}

TEST_P(PipelineGateTest, TheNewestWaitingPipelineSupersedesOlderOnes) {
  const PipelineGate holder = running_pipeline("deploy");
  const PipelineGate older = running_pipeline("deploy");
  const PipelineGate newer = running_pipeline("deploy");
  EXPECT_EQ(take(holder), GroupClaim::Outcome::Holding);
  EXPECT_EQ(take(older), GroupClaim::Outcome::Waiting);
  EXPECT_EQ(take(newer), GroupClaim::Outcome::Waiting);
  auto superseded = store_->take_concurrency_group(older, now());
  ASSERT_OK(superseded);
  EXPECT_EQ(superseded->outcome, GroupClaim::Outcome::Superseded);
  EXPECT_EQ(superseded->workflow_id, newer.workflow_id);
  ASSERT_OK(store_->finish_workflow(holder.workflow_id, core::Status::Cancelled, "cancelled"));  // lets go too
  EXPECT_EQ(take(newer), GroupClaim::Outcome::Holding);
}

TEST_P(PipelineGateTest, AHolderWhoseLeaseRanOutLetsGo) {
  const PipelineGate holder = running_pipeline("deploy");
  const PipelineGate next = running_pipeline("deploy");
  EXPECT_EQ(take(holder), GroupClaim::Outcome::Holding);
  const Timestamp at = now();
  EXPECT_EQ(take(next, at), GroupClaim::Outcome::Waiting);
  EXPECT_EQ(take(next, at + 31s), GroupClaim::Outcome::Holding);  // past the holder's 30 s lease
}

// Servers asking for one free group at once: exactly one holds it.
TEST_P(PipelineGateTest, RacingTakersNeverBothHoldAGroup) {
  std::vector<PipelineGate> gates;
  for (int i = 0; i < 6; ++i) gates.push_back(running_pipeline("deploy"));
  std::atomic<int> holding{0};
  std::vector<std::thread> threads;
  for (const PipelineGate& gate : gates)
    threads.emplace_back([&, gate] {
      auto claim = store_->take_concurrency_group(gate, now());
      if (claim.ok() && claim->outcome == GroupClaim::Outcome::Holding) ++holding;
      if (!claim.ok()) {
        EXPECT_EQ(to_string(claim.error().kind), "conflict") << claim.error().message;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_LE(holding.load(), 1);
}

TEST_P(PipelineGateTest, EnvironmentsKeepTheirRulesAndSecrets) {
  auto created = store_->set_environment(
      project_.id, {.name = "production", .approvers = {"Octocat", "writers", "octocat"}, .branches = {"main"},
                    .wait_timer = 5min});
  ASSERT_OK(created);
  EXPECT_TRUE(*created);
  auto environment = store_->get_environment(project_.id, "production");
  ASSERT_OK(environment);
  EXPECT_EQ(environment->approvers, (std::vector<std::string>{"octocat", "writers"}));
  EXPECT_EQ(environment->branches, std::vector<std::string>{"main"});
  EXPECT_EQ(environment->wait_timer, 5min);
  EXPECT_ERROR(store_->set_environment(project_.id, {.name = "prod uction"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->set_environment(project_.id, {.name = "staging", .approvers = {"-bad-"}}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->set_environment(project_.id, {.name = "staging", .branches = {"[unclosed"}}),
               ErrorKind::Invalid);

  ASSERT_OK(store_->set_environment(project_.id, {.name = "staging"}));
  ASSERT_OK(store_->set_environment_secret(project_.id, "production", "DEPLOY_KEY", "prod-key-1"));
  ASSERT_OK(store_->set_environment_secret(project_.id, "staging", "DEPLOY_KEY", "staging-key"));
  EXPECT_ERROR(store_->set_environment_secret(project_.id, "nowhere", "DEPLOY_KEY", "value"), ErrorKind::NotFound);
  auto production = store_->environment_secrets(project_.id, "production");
  ASSERT_OK(production);
  ASSERT_EQ(production->size(), 1u);
  EXPECT_EQ(production->at(0).value, "prod-key-1");
  auto project_secrets = store_->project_secrets(project_.id);
  ASSERT_OK(project_secrets);
  EXPECT_TRUE(project_secrets->empty());  // never among the project's own
  auto environments = store_->list_environments(project_.id);
  ASSERT_OK(environments);
  ASSERT_EQ(environments->size(), 2u);
  EXPECT_EQ(environments->at(0).name, "production");

  ASSERT_OK(store_->delete_environment(project_.id, "production"));
  EXPECT_ERROR(store_->environment_secrets(project_.id, "production"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->delete_environment(project_.id, "production"), ErrorKind::NotFound);
}

TEST_P(PipelineGateTest, APipelineWaitsForApprovalUntilSomeoneDecides) {
  const PipelineGate gate = running_pipeline({}, "production");
  EXPECT_ERROR(store_->decide_approval(gate.pipeline_id, "octocat", true), ErrorKind::Conflict);  // not waiting
  ASSERT_OK(
      store_->wait_at_gate(gate.pipeline_id, core::Status::WaitingForApproval, "waiting for approval by octocat"));
  auto waiting = store_->get_pipeline_gate(gate.pipeline_id);
  ASSERT_OK(waiting);
  EXPECT_EQ(waiting->status, core::Status::WaitingForApproval);
  EXPECT_EQ(waiting->status_reason, "waiting for approval by octocat");
  auto approved = store_->decide_approval(gate.pipeline_id, "octocat", true);
  ASSERT_OK(approved);
  EXPECT_EQ(approved->status, core::Status::Queued);
  EXPECT_EQ(approved->approved_by, "octocat");
  EXPECT_TRUE(approved->approved_at.has_value());
  EXPECT_ERROR(store_->decide_approval(gate.pipeline_id, "hubot", false), ErrorKind::Conflict);

  const PipelineGate other = running_pipeline({}, "production");
  ASSERT_OK(store_->wait_at_gate(other.pipeline_id, core::Status::WaitingForApproval, "waiting"));
  auto rejected = store_->decide_approval(other.pipeline_id, "hubot", false);
  ASSERT_OK(rejected);
  EXPECT_EQ(rejected->rejected_by, "hubot");
  EXPECT_EQ(rejected->status_reason, "rejected by hubot");
  // Cancelling the workflow ends a pipeline waiting for approval too.
  ASSERT_OK(store_->finish_workflow(other.workflow_id, core::Status::Cancelled, "cancelled"));
  auto ended = store_->get_pipeline_gate(other.pipeline_id);
  ASSERT_OK(ended);
  EXPECT_EQ(ended->status, core::Status::Cancelled);
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelineGateTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
