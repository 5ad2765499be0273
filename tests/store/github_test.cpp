// What the store keeps for GitHub, on every backend (see store_fixture.h):
// the commit status outbox, filled in the transactions that change
// workflows and pipelines; a project's hook id; whether a delivery was seen.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

class GitHubStoreTest : public ProjectStoreTest {
 protected:
  void SetUp() override {
    ProjectStoreTest::SetUp();
    if (!store_) return;
    store_ = open_store({.queue_commit_statuses = true});
    core::Event event;
    event.name = "push";
    event.branch = "main";
    event.sha = "5f3c2a7e9b1d4c6a8e0f2b4d6a8c0e2f4a6b8d0c";
    auto enqueued = store_->enqueue_workflow(project_.id, "delivery-1", event);
    ASSERT_OK(enqueued);
    workflow_id_ = enqueued->id;
    auto claimed = store_->claim_next_workflow("agent", 30s);
    ASSERT_OK(claimed);
  }

  WorkflowTree record_plan() {
    core::Plan plan;
    plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "gcc"}}}}});
    plan.pipelines.push_back({.name = "test", .stages = {{"unit", {{.name = "ctest"}}}}});
    plan.skipped.push_back({"deploy", "branch \"main\" does not match branches"});
    auto tree = store_->record_plan(workflow_id_, plan);
    EXPECT_TRUE(tree.ok()) << tree.error().message;
    return tree.ok() ? *tree : WorkflowTree{};
  }

  // The outbox as "pipeline status" strings ("workflow status" for the
  // workflow's own), oldest first.
  std::vector<std::string> outbox() {
    auto queued = store_->queued_commit_statuses(100);
    EXPECT_TRUE(queued.ok()) << queued.error().message;
    std::vector<std::string> texts;
    if (queued.ok())
      for (const auto& status : *queued)
        texts.push_back((status.pipeline.empty() ? "workflow" : status.pipeline) + " " +
                        std::string(core::to_string(status.status)));
    return texts;
  }

  std::string workflow_id_;
};

TEST_P(GitHubStoreTest, AWorkflowAndThenItsPlanQueueAStatusForItAndEachPipeline) {
  record_plan();
  auto queued = store_->queued_commit_statuses(100);
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 4u);
  const QueuedCommitStatus& first = queued->front();
  EXPECT_EQ(first.workflow_id, workflow_id_);
  EXPECT_EQ(first.project_id, project_.id);
  EXPECT_EQ(first.owner, "acme");
  EXPECT_EQ(first.repository, "rocket");
  EXPECT_EQ(first.sha, "5f3c2a7e9b1d4c6a8e0f2b4d6a8c0e2f4a6b8d0c");
  EXPECT_EQ(outbox(), (std::vector<std::string>{"workflow queued", "build queued", "test queued", "deploy skipped"}));
  EXPECT_EQ(queued->back().reason, "branch \"main\" does not match branches");
}

TEST_P(GitHubStoreTest, PipelinesAndWorkflowsEndingQueueTheirFinalStatusInOrder) {
  const WorkflowTree tree = record_plan();
  ASSERT_OK(store_->set_pipeline_status(tree.pipelines[0].id, {core::Status::Running, ""}));
  ASSERT_OK(store_->set_pipeline_status(tree.pipelines[0].id, {core::Status::Failure, "gcc failed"}));
  ASSERT_OK(store_->finish_workflow(workflow_id_, core::Status::Cancelled, "cancelled by a user"));
  EXPECT_EQ(outbox(), (std::vector<std::string>{"workflow queued", "build queued", "test queued", "deploy skipped",
                                                "build failure", "test cancelled", "workflow cancelled"}));
}

TEST_P(GitHubStoreTest, TakenStatusesLeaveTheOutbox) {
  record_plan();
  auto queued = store_->queued_commit_statuses(2);
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 2u);
  ASSERT_OK(store_->delete_commit_status((*queued)[0].id));
  EXPECT_EQ(outbox(), (std::vector<std::string>{"build queued", "test queued", "deploy skipped"}));
  EXPECT_ERROR(store_->queued_commit_statuses(0), ErrorKind::Invalid);
}

TEST_P(GitHubStoreTest, AStoreNotReportingToGitHubQueuesNothing) {
  store_ = open_store();
  record_plan();
  ASSERT_OK(store_->finish_workflow(workflow_id_, core::Status::Error, "gone"));
  EXPECT_EQ(outbox(), std::vector<std::string>{"workflow queued"});  // queued before, by the reporting store
}

TEST_P(GitHubStoreTest, AnExpiredLeaseWithNoAttemptsLeftQueuesErrors) {
  record_plan();
  const auto later = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() + 1h);
  auto expired = store_->expire_leases(later, 1);
  ASSERT_OK(expired);
  ASSERT_EQ(expired->failed.size(), 1u);
  EXPECT_EQ(outbox(), (std::vector<std::string>{"workflow queued", "build queued", "test queued", "deploy skipped",
                                                "build error", "test error", "workflow error"}));
}

TEST_P(GitHubStoreTest, AProjectKeepsItsHookId) {
  EXPECT_FALSE(project_.github_hook_id);
  ASSERT_OK(store_->set_github_hook(project_.id, 12345));
  EXPECT_EQ(store_->get_project(project_.id)->github_hook_id, 12345);
  ASSERT_OK(store_->set_github_hook(project_.id, std::nullopt));
  EXPECT_FALSE(store_->get_project(project_.id)->github_hook_id);
  EXPECT_ERROR(store_->set_github_hook("0190a0b0-0000-7000-8000-000000000000", 1), ErrorKind::NotFound);
}

TEST_P(GitHubStoreTest, DeliveriesThatQueuedAWorkflowAreSeen) {
  EXPECT_TRUE(*store_->delivery_seen(project_.id, "delivery-1"));
  EXPECT_FALSE(*store_->delivery_seen(project_.id, "delivery-2"));
}

INSTANTIATE_TEST_SUITE_P(Backends, GitHubStoreTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
