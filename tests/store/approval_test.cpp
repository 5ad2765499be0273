// Pull requests from forks that wait for approval, on every backend (see
// store_fixture.h): the waiting_for_approval status and its transitions,
// the approval itself, and the project setting that decides which wait.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "store/group_commit.h"
#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

core::Event fork_pull_request(std::string branch = "patch-1") {
  return {.name = "pull_request",
          .branch = std::move(branch),
          .target_branch = "main",
          .sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
          .from_fork = true};
}

class ApprovalTest : public ProjectStoreTest {
 protected:
  // A workflow recorded as a webhook from a fork records it: waiting.
  std::string enqueue_waiting(const std::string& delivery = {}, const core::Event& event = fork_pull_request()) {
    const WorkflowRequest request{
        .project_id = project_.id, .delivery_id = delivery, .event = event, .wait_for_approval = true};
    auto enqueued = store_->enqueue_workflows(std::span{&request, 1}).front();
    EXPECT_TRUE(enqueued.ok()) << enqueued.error().message;
    return enqueued.ok() ? enqueued->id : std::string();
  }

  Workflow workflow(const std::string& id) {
    auto found = store_->get_workflow(id);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : Workflow{};
  }

  bool queue_is_empty() {
    auto claimed = store_->claim_next_workflow("agent", 30s);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message;
    return claimed.ok() && !claimed->has_value();
  }
};

TEST_P(ApprovalTest, AWaitingWorkflowIsNeverClaimedUntilApproved) {
  const std::string id = enqueue_waiting("delivery-1");
  Workflow waiting = workflow(id);
  EXPECT_EQ(waiting.status, core::Status::WaitingForApproval);
  EXPECT_TRUE(waiting.approval_required);
  EXPECT_TRUE(waiting.approved_by.empty());
  EXPECT_FALSE(waiting.approved_at.has_value());
  EXPECT_TRUE(queue_is_empty());
  auto of_project = store_->claim_next_workflow("agent", 30s, project_.id);
  ASSERT_OK(of_project);
  EXPECT_FALSE(of_project->has_value());

  const auto before = std::chrono::system_clock::now();
  auto approved = store_->approve_workflow(id, "octocat");
  ASSERT_OK(approved);
  EXPECT_EQ(approved->status, core::Status::Queued);
  const Workflow stored = workflow(id);
  EXPECT_EQ(stored.status, core::Status::Queued);
  EXPECT_TRUE(stored.approval_required);
  EXPECT_EQ(stored.approved_by, "octocat");
  ASSERT_TRUE(stored.approved_at.has_value());
  EXPECT_GE(*stored.approved_at, std::chrono::time_point_cast<std::chrono::milliseconds>(before - 1s));
  EXPECT_EQ(stored.approved_at, approved->approved_at);

  auto claimed = store_->claim_next_workflow("agent", 30s);
  ASSERT_OK(claimed);
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((*claimed)->id, id);
  EXPECT_EQ((*claimed)->approved_by, "octocat");
}

TEST_P(ApprovalTest, OnlyAWaitingWorkflowCanBeApproved) {
  const std::string id = enqueue_waiting();
  ASSERT_OK(store_->approve_workflow(id, "octocat"));
  auto again = store_->approve_workflow(id, "hubot");
  EXPECT_ERROR(again, ErrorKind::Conflict);
  EXPECT_EQ(again.error().message,
            "workflow " + id + " is queued: only a workflow waiting for approval can be approved");
  EXPECT_EQ(workflow(id).approved_by, "octocat");  // the first approval stands

  auto never_waited = store_->enqueue_workflow(project_.id, "", fork_pull_request());
  ASSERT_OK(never_waited);
  EXPECT_ERROR(store_->approve_workflow(never_waited->id, "octocat"), ErrorKind::Conflict);
  EXPECT_FALSE(workflow(never_waited->id).approval_required);
  EXPECT_ERROR(store_->approve_workflow("0193a4c2-5e1f-7b10-9c2d-3e4f5a6b7c8d", "octocat"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->approve_workflow("not-an-id", "octocat"), ErrorKind::Invalid);
  EXPECT_ERROR(store_->approve_workflow(enqueue_waiting(), ""), ErrorKind::Invalid);
  EXPECT_ERROR(store_->approve_workflow(enqueue_waiting(), std::string(301, 'x')), ErrorKind::Invalid);
  // A token's name may be 255 bytes: "admin token " and it fit.
  ASSERT_OK(store_->approve_workflow(enqueue_waiting(), "admin token " + std::string(255, 'x')));
}

TEST_P(ApprovalTest, AWaitingWorkflowCanBeCancelledButCannotOtherwiseEnd) {
  const std::string id = enqueue_waiting();
  for (core::Status status :
       {core::Status::Success, core::Status::Failure, core::Status::Error, core::Status::Skipped}) {
    SCOPED_TRACE(core::to_string(status));
    EXPECT_ERROR(store_->finish_workflow(id, status), ErrorKind::Conflict);
  }
  EXPECT_ERROR(store_->finish_workflow(id, core::Status::Queued), ErrorKind::Invalid);
  auto cancelled = store_->finish_workflow(id, core::Status::Cancelled, "cancelled by octocat");
  ASSERT_OK(cancelled);
  const Workflow stored = workflow(id);
  EXPECT_EQ(stored.status, core::Status::Cancelled);
  EXPECT_EQ(stored.status_reason, "cancelled by octocat");
  EXPECT_TRUE(stored.finished_at.has_value());
  EXPECT_TRUE(stored.approval_required);
  EXPECT_ERROR(store_->approve_workflow(id, "octocat"), ErrorKind::Conflict);
  EXPECT_TRUE(queue_is_empty());
}

TEST_P(ApprovalTest, ANewerUpdateOfThePullRequestSupersedesWaitingWorkflows) {
  const std::string older = enqueue_waiting();
  const std::string approved = enqueue_waiting();
  ASSERT_OK(store_->approve_workflow(approved, "octocat"));
  enqueue_waiting({}, fork_pull_request("patch-2"));  // another pull request
  const std::string newer = enqueue_waiting();
  auto superseded = store_->superseded_workflows(project_.id, newer, fork_pull_request());
  ASSERT_OK(superseded);
  ASSERT_EQ(superseded->size(), 2u);
  EXPECT_EQ((*superseded)[0].id, older);
  EXPECT_EQ((*superseded)[0].status, core::Status::WaitingForApproval);
  EXPECT_EQ((*superseded)[1].id, approved);
}

// Anyone may open a pull request from a fork, from a branch named as one of
// the repository's own: it must not cancel the repository's workflows.
TEST_P(ApprovalTest, AForkSupersedesOnlyWorkflowsFromForks) {
  core::Event own = fork_pull_request();
  own.from_fork = false;
  auto theirs = store_->enqueue_workflow(project_.id, "", own);
  ASSERT_OK(theirs);
  const std::string forked = enqueue_waiting();
  const std::string newer = enqueue_waiting();
  auto superseded = store_->superseded_workflows(project_.id, newer, fork_pull_request());
  ASSERT_OK(superseded);
  ASSERT_EQ(superseded->size(), 1u);
  EXPECT_EQ((*superseded)[0].id, forked);
  auto by_own = store_->superseded_workflows(project_.id, newer, own);
  ASSERT_OK(by_own);
  ASSERT_EQ(by_own->size(), 1u);
  EXPECT_EQ((*by_own)[0].id, theirs->id);
}

TEST_P(ApprovalTest, ListsShowTheApproval) {
  const std::string id = enqueue_waiting();
  ASSERT_OK(store_->approve_workflow(id, "octocat"));
  auto page = store_->list_workflows(project_.id, {});
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_TRUE(page->items[0].approval_required);
  EXPECT_EQ(page->items[0].approved_by, "octocat");
  EXPECT_TRUE(page->items[0].approved_at.has_value());
}

// The group commit queues waiting and queued workflows in one transaction,
// each as its request says.
TEST_P(ApprovalTest, TheGroupCommitRecordsEachRequestAsItSays) {
  GroupCommit group(*store_);
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::string> ids(2);
  int answered = 0;
  for (int i = 0; i < 2; ++i)
    group.submit({.project_id = project_.id,
                  .delivery_id = "delivery-" + std::to_string(i),
                  .event = fork_pull_request(),
                  .wait_for_approval = i == 0},
                 [&, i](Result<EnqueuedWorkflow> result) {
                   std::lock_guard lock(mutex);
                   if (result.ok()) ids[i] = result->id;
                   ++answered;
                   done.notify_all();
                 });
  std::unique_lock lock(mutex);
  ASSERT_TRUE(done.wait_for(lock, 10s, [&] { return answered == 2; }));
  EXPECT_EQ(workflow(ids[0]).status, core::Status::WaitingForApproval);
  EXPECT_EQ(workflow(ids[1]).status, core::Status::Queued);
  EXPECT_FALSE(workflow(ids[1]).approval_required);
}

TEST_P(ApprovalTest, ADeliverySeenBeforeKeepsItsFirstStatus) {
  const std::string id = enqueue_waiting("delivery-1");
  auto again = store_->enqueue_workflow(project_.id, "delivery-1", fork_pull_request());
  ASSERT_OK(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(workflow(id).status, core::Status::WaitingForApproval);
}

// For GitHub: a waiting workflow's commit status says so; once approved, queued.
TEST_P(ApprovalTest, TheCommitStatusSaysItWaitsThenThatItIsQueued) {
  store_ = open_store({.queue_commit_statuses = true});
  const std::string waiting = enqueue_waiting();
  const std::string cancelled = enqueue_waiting();
  ASSERT_OK(store_->approve_workflow(waiting, "octocat"));
  ASSERT_OK(store_->finish_workflow(cancelled, core::Status::Cancelled));
  auto queued = store_->queued_commit_statuses(100);
  ASSERT_OK(queued);
  std::vector<std::pair<std::string, core::Status>> statuses;
  for (const auto& status : *queued) statuses.emplace_back(status.workflow_id, status.status);
  EXPECT_EQ(statuses, (std::vector<std::pair<std::string, core::Status>>{
                          {waiting, core::Status::WaitingForApproval},
                          {cancelled, core::Status::WaitingForApproval},
                          {waiting, core::Status::Queued},
                          {cancelled, core::Status::Cancelled}}));
}

TEST_P(ApprovalTest, ProjectsHoldEveryForkPullRequestUnlessTheySayOtherwise) {
  EXPECT_EQ(project_.fork_pr_approval, ForkApproval::All);
  EXPECT_EQ(store_->get_project(project_.id)->fork_pr_approval, ForkApproval::All);
  auto first_time = store_->create_project(
      {.owner = "acme", .name = "sled", .url = "https://git.example/acme/sled.git", .webhook_secret = "secret-sled",
       .fork_pr_approval = ForkApproval::FirstTime});
  ASSERT_OK(first_time);
  EXPECT_EQ(first_time->fork_pr_approval, ForkApproval::FirstTime);
  EXPECT_EQ(store_->get_project(first_time->id)->fork_pr_approval, ForkApproval::FirstTime);

  auto never = store_->update_project(project_.id, {.fork_pr_approval = ForkApproval::Never});
  ASSERT_OK(never);
  EXPECT_EQ(never->fork_pr_approval, ForkApproval::Never);
  auto renamed = store_->update_project(project_.id, {.name = "rocket-2"});  // other changes keep it
  ASSERT_OK(renamed);
  EXPECT_EQ(renamed->fork_pr_approval, ForkApproval::Never);
  EXPECT_EQ(store_->find_project_by_name("acme", "rocket-2")->fork_pr_approval, ForkApproval::Never);
}

TEST(ForkApproval, NamesRoundTrip) {
  for (ForkApproval approval : {ForkApproval::All, ForkApproval::FirstTime, ForkApproval::Never})
    EXPECT_EQ(parse_fork_approval(to_string(approval)), approval);
  EXPECT_EQ(to_string(ForkApproval::FirstTime), "first_time");
  EXPECT_FALSE(parse_fork_approval("sometimes").has_value());
  EXPECT_FALSE(parse_fork_approval("ALL").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, ApprovalTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
