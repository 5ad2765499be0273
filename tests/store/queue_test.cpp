// The workflow queue, tree and logs, on every backend (see store_fixture.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "store/group_commit.h"
#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

const Query kCountWorkflows{"SELECT COUNT(*) FROM workflows"};
const Query kCountWorkflowsWithStatus{"SELECT COUNT(*) FROM workflows WHERE status = ?"};
const Query kCountLogLines{"SELECT COUNT(*) FROM execution_logs"};

Timestamp at_millis(std::int64_t millis) { return Timestamp(std::chrono::milliseconds(millis)); }

core::Event push(std::string branch, std::vector<std::string> paths = {}) {
  core::Event event;
  event.name = "push";
  event.branch = std::move(branch);
  event.sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
  event.changed_paths = std::move(paths);
  return event;
}

core::Event pull_request(std::string source, std::string target) {
  core::Event event = push(std::move(source));
  event.name = "pull_request";
  event.target_branch = std::move(target);
  return event;
}

core::Plan two_pipelines_and_a_skipped_one() {
  core::Plan plan;
  plan.pipelines.push_back({.name = "lint", .stages = {{"check", {{.name = "clang-tidy"}}}}});
  plan.pipelines.push_back({.name = "build",
                            .depends_on = {"lint"},
                            .stages = {{"compile", {{.name = "gcc"}, {.name = "clang"}}}, {"test", {{.name = "ctest"}}}}});
  plan.skipped.push_back({"deploy", "branch \"main\" does not match branches"});
  return plan;
}

class QueueTest : public ProjectStoreTest {
 protected:
  std::string enqueue(const std::string& delivery, const std::string& project_id = {}) {
    return enqueue_event(push("main"), project_id, delivery);
  }

  std::string enqueue_event(const core::Event& event, const std::string& project_id = {},
                            const std::string& delivery = {}) {
    auto enqueued = store_->enqueue_workflow(project_id.empty() ? project_.id : project_id, delivery, event);
    EXPECT_TRUE(enqueued.ok()) << enqueued.error().message;
    return enqueued.ok() ? enqueued->id : std::string();
  }

  Workflow claim(const std::string& agent, const std::string& project_id = {}) {
    auto claimed = store_->claim_next_workflow(agent, 30s, project_id);
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << (claimed.ok() ? "queue empty" : claimed.error().message);
    return claimed.ok() && claimed->has_value() ? **claimed : Workflow{};
  }

  // Two workflows claimed by two agents, each with its tree planned: an
  // agent's reports name executions of `mine`, and try those of `other`.
  struct TwoTrees {
    std::string mine, other;
    std::string gcc, clang;  // of mine
    std::string foreign;     // of other
    std::string foreign_pipeline;
  };
  TwoTrees two_running_trees() {
    TwoTrees trees{enqueue("d1"), enqueue("d2")};
    claim("agent-a");
    claim("agent-b");
    auto tree = store_->record_plan(trees.mine, two_pipelines_and_a_skipped_one());
    auto other_tree = store_->record_plan(trees.other, two_pipelines_and_a_skipped_one());
    EXPECT_TRUE(tree.ok() && other_tree.ok());
    if (!tree.ok() || !other_tree.ok()) return trees;
    trees.gcc = tree->pipelines[1].stages[0].executions[0].id;
    trees.clang = tree->pipelines[1].stages[0].executions[1].id;
    trees.foreign = other_tree->pipelines[1].stages[0].executions[0].id;
    trees.foreign_pipeline = other_tree->pipelines[1].id;
    return trees;
  }
};

TEST_P(QueueTest, EnqueueRecordsAQueuedWorkflow) {
  core::Event event = push("feature/ünïcode", {"src/a.c", "docs/\"quoted\".md", "ünï/cödé"});
  event.from_fork = true;
  auto enqueued = store_->enqueue_workflow(project_.id, "72d3162e-cc78-11e3-81ab-4c9367dc0958", event);
  ASSERT_OK(enqueued);
  EXPECT_FALSE(enqueued->duplicate);
  auto workflow = store_->get_workflow(enqueued->id);
  ASSERT_OK(workflow);
  EXPECT_EQ(workflow->project_id, project_.id);
  EXPECT_EQ(workflow->delivery_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(workflow->event.name, "push");
  EXPECT_EQ(workflow->event.branch, "feature/ünïcode");
  EXPECT_EQ(workflow->event.sha, event.sha);
  EXPECT_EQ(workflow->event.changed_paths, event.changed_paths);
  EXPECT_TRUE(workflow->event.from_fork);
  EXPECT_EQ(workflow->status, core::Status::Queued);
  EXPECT_EQ(workflow->attempt, 1);
  EXPECT_TRUE(workflow->lease_owner.empty());
  EXPECT_FALSE(workflow->started_at.has_value());
}

TEST_P(QueueTest, ADeliverySeenBeforeReturnsTheFirstWorkflow) {
  auto first = store_->enqueue_workflow(project_.id, "delivery-1", push("main"));
  auto again = store_->enqueue_workflow(project_.id, "delivery-1", push("other"));
  ASSERT_OK(first);
  ASSERT_OK(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(store_->get_workflow(first->id)->event.branch, "main");

  // Delivery ids are per project; an empty one never repeats.
  Project other = create("acme", "sled");
  auto elsewhere = store_->enqueue_workflow(other.id, "delivery-1", push("main"));
  ASSERT_OK(elsewhere);
  EXPECT_FALSE(elsewhere->duplicate);
  auto manual_1 = store_->enqueue_workflow(project_.id, "", push("main"));
  auto manual_2 = store_->enqueue_workflow(project_.id, "", push("main"));
  ASSERT_OK(manual_1);
  ASSERT_OK(manual_2);
  EXPECT_NE(manual_1->id, manual_2->id);
  EXPECT_EQ(store_->get_workflow(manual_1->id)->delivery_id, manual_1->id);
  EXPECT_EQ(database_->scalar(kCountWorkflows), 4);
}

TEST_P(QueueTest, FiftyConcurrentEnqueuesOfOneDeliveryMakeOneWorkflow) {
  constexpr int kThreads = 50;
  std::vector<Result<EnqueuedWorkflow>> results(kThreads, invalid("not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      results[t] = store_->enqueue_workflow(project_.id, "redelivered", push("main"));
    });
  go = true;
  for (auto& thread : threads) thread.join();
  std::set<std::string> ids;
  int created = 0;
  for (auto& result : results) {
    ASSERT_OK(result);
    ids.insert(result->id);
    created += result->duplicate ? 0 : 1;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(database_->scalar(kCountWorkflows), 1);
}

TEST_P(QueueTest, AManualRunKeepsItsInputs) {
  core::Event manual = push("main");
  manual.name = "manual";
  manual.inputs = {{"environment", "production"}, {"notes", "ünï \"quoted\"\n" + std::string(4000, 'x')}};
  const std::string id = enqueue_event(manual);
  auto workflow = store_->get_workflow(id);
  ASSERT_OK(workflow);
  EXPECT_EQ(workflow->event.inputs, manual.inputs);
  auto listed = store_->list_workflows(project_.id, {});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].event.inputs, manual.inputs);
  EXPECT_TRUE(store_->get_workflow(enqueue("d-push"))->event.inputs.empty());

  manual.inputs = {{"notes", std::string(core::kMaxInputBytes + 1, 'x')}};
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, "", manual), ErrorKind::Invalid);
  manual.inputs.clear();
  for (std::size_t i = 0; i <= core::kMaxInputs; ++i) manual.inputs["input" + std::to_string(i)] = "x";
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, "", manual), ErrorKind::Invalid);
  EXPECT_EQ(database_->scalar(kCountWorkflows), 2);
}

TEST_P(QueueTest, EnqueueRefusesUnknownProjectsAndEvents) {
  EXPECT_ERROR(store_->enqueue_workflow("01900000-0000-7000-8000-000000000000", "d", push("main")),
               ErrorKind::NotFound);
  EXPECT_ERROR(store_->enqueue_workflow("nope", "d", push("main")), ErrorKind::Invalid);
  core::Event odd = push("main");
  odd.name = "issues";
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, "d", odd), ErrorKind::Invalid);
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, std::string(256, 'd'), push("main")), ErrorKind::Invalid);
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, "d", push(std::string(256, 'b'))), ErrorKind::Invalid);
  EXPECT_EQ(database_->scalar(kCountWorkflows), 0);
}

// One transaction for many requests, each answered as if alone.
TEST_P(QueueTest, EnqueueWorkflowsAnswersEachRequestInOrder) {
  core::Event odd = push("main");
  odd.name = "issues";
  const WorkflowRequest requests[] = {
      {project_.id, "delivery-1", push("main")},
      {"01900000-0000-7000-8000-000000000000", "delivery-2", push("main")},
      {project_.id, "delivery-3", odd},
      {project_.id, "delivery-1", push("other")},
      {project_.id, "delivery-4", push("next")},
  };
  auto results = store_->enqueue_workflows(requests);
  ASSERT_EQ(results.size(), 5u);
  ASSERT_OK(results[0]);
  EXPECT_FALSE(results[0]->duplicate);
  EXPECT_ERROR(results[1], ErrorKind::NotFound);
  EXPECT_ERROR(results[2], ErrorKind::Invalid);
  ASSERT_OK(results[3]);
  EXPECT_TRUE(results[3]->duplicate);
  EXPECT_EQ(results[3]->id, results[0]->id);
  ASSERT_OK(results[4]);
  EXPECT_FALSE(results[4]->duplicate);
  EXPECT_EQ(store_->get_workflow(results[4]->id)->event.branch, "next");
  EXPECT_EQ(database_->scalar(kCountWorkflows), 2);
}

// Eight threads submit 50 deliveries each, plus one delivery all of them
// send: every callback comes, with one workflow per distinct delivery.
TEST_P(QueueTest, GroupCommitAnswersEveryConcurrentSubmission) {
  constexpr int kThreads = 8, kEach = 50;
  std::mutex mutex;
  std::condition_variable answered;
  std::vector<Result<EnqueuedWorkflow>> results;
  {
    GroupCommit group_commit{*store_};
    auto submit = [&](std::string delivery) {
      group_commit.submit({project_.id, std::move(delivery), push("main")}, [&](Result<EnqueuedWorkflow> result) {
        std::lock_guard lock{mutex};
        results.push_back(std::move(result));
        answered.notify_all();
      });
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        submit("shared");
        for (int i = 0; i < kEach; ++i) submit("d-" + std::to_string(t) + "-" + std::to_string(i));
      });
    for (auto& thread : threads) thread.join();
    std::unique_lock lock{mutex};
    ASSERT_TRUE(answered.wait_for(lock, 30s, [&] { return results.size() == kThreads * (kEach + 1); }));
  }
  std::set<std::string> ids;
  int duplicates = 0;
  for (const auto& result : results) {
    ASSERT_OK(result);
    ids.insert(result->id);
    duplicates += result->duplicate ? 1 : 0;
  }
  EXPECT_EQ(duplicates, kThreads - 1);
  EXPECT_EQ(ids.size(), std::size_t{kThreads * kEach + 1});
  EXPECT_EQ(database_->scalar(kCountWorkflows), kThreads * kEach + 1);
}

// Submissions still pending when the group commit goes are committed and answered.
TEST_P(QueueTest, GroupCommitFinishesWhatWasSubmittedBeforeItGoes) {
  std::atomic<int> answers{0};
  {
    GroupCommit group_commit{*store_};
    for (int i = 0; i < 100; ++i)
      group_commit.submit({project_.id, "d-" + std::to_string(i), push("main")},
                          [&](Result<EnqueuedWorkflow> result) { answers += result.ok() ? 1 : 0; });
  }
  EXPECT_EQ(answers, 100);
  EXPECT_EQ(database_->scalar(kCountWorkflows), 100);
}

TEST_P(QueueTest, ClaimsTakeTheOldestQueuedWorkflowFirst) {
  Project other = create("acme", "sled");
  std::string first = enqueue("d1"), second = enqueue("d2"), elsewhere = enqueue("d3", other.id);
  auto empty_filter = store_->claim_next_workflow("agent-a", 30s, "01900000-0000-7000-8000-000000000000");
  ASSERT_OK(empty_filter);
  EXPECT_FALSE(empty_filter->has_value());

  Workflow of_other = claim("agent-a", other.id);
  EXPECT_EQ(of_other.id, elsewhere);
  Workflow claimed = claim("agent-b");
  EXPECT_EQ(claimed.id, first);
  EXPECT_EQ(claimed.status, core::Status::Running);
  EXPECT_EQ(claimed.lease_owner, "agent-b");
  ASSERT_TRUE(claimed.started_at && claimed.lease_expires_at);
  EXPECT_EQ(*claimed.lease_expires_at - *claimed.started_at, 30s);

  auto stored = store_->get_workflow(first);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->status, core::Status::Running);
  EXPECT_EQ(stored->lease_owner, "agent-b");
  EXPECT_EQ(stored->lease_expires_at, claimed.lease_expires_at);

  EXPECT_EQ(claim("agent-c").id, second);
  auto none = store_->claim_next_workflow("agent-c", 30s);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_ERROR(store_->claim_next_workflow("", 30s), ErrorKind::Invalid);
  EXPECT_ERROR(store_->claim_next_workflow("agent", 0s), ErrorKind::Invalid);
}

TEST_P(QueueTest, ConcurrentClaimersEachGetDistinctWorkflows) {
  constexpr int kWorkflows = 200, kClaimers = 4;
  for (int i = 0; i < kWorkflows; ++i) enqueue("d" + std::to_string(i));
  std::mutex mutex;
  std::vector<std::string> claimed;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClaimers; ++c)
    threads.emplace_back([&, c] {
      auto own = open(database_->url(), {.pool_size = 1});  // a connection of its own, like another server
      if (!own) return (void)++failures;
      for (;;) {
        auto next = (*own)->claim_next_workflow("agent-" + std::to_string(c), 60s);
        if (!next) {
          ADD_FAILURE() << next.error().message;
          return (void)++failures;
        }
        if (!next->has_value()) return;
        std::lock_guard lock(mutex);
        claimed.push_back((*next)->id);
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kWorkflows));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), static_cast<std::size_t>(kWorkflows));
  EXPECT_EQ(database_->scalar(kCountWorkflowsWithStatus, {"running"}), kWorkflows);
}

TEST_P(QueueTest, OnlyTheHolderRenewsALease) {
  std::string id = enqueue("d1");
  Workflow claimed = claim("agent-a");
  auto renewed = store_->renew_lease(id, "agent-a", 10min);
  ASSERT_OK(renewed);
  EXPECT_GT(renewed->expires_at, *claimed.lease_expires_at);
  EXPECT_FALSE(renewed->cancel_requested);
  EXPECT_EQ(store_->get_workflow(id)->lease_expires_at, renewed->expires_at);

  EXPECT_ERROR(store_->renew_lease(id, "agent-b", 10min), ErrorKind::Conflict);
  EXPECT_ERROR(store_->renew_lease("01900000-0000-7000-8000-000000000000", "agent-a", 10min), ErrorKind::NotFound);
  ASSERT_OK(store_->finish_workflow(id, core::Status::Success));
  EXPECT_ERROR(store_->renew_lease(id, "agent-a", 10min), ErrorKind::Conflict);
}

// A cancel request is kept with the workflow: every renewal from then on
// says so (and still renews: the agent needs its lease while it stops),
// and it counts as unconfirmed until the workflow ends.
TEST_P(QueueTest, ACancelRequestReachesEveryRenewalUntilTheWorkflowEnds) {
  const std::string queued = enqueue("d0");
  const std::string id = enqueue("d1");
  ASSERT_EQ(claim("agent-a").id, queued);
  ASSERT_EQ(claim("agent-a").id, id);
  ASSERT_OK(store_->request_cancel(id));
  ASSERT_OK(store_->request_cancel(id));  // asking twice keeps the first time
  const auto asked = store_->get_workflow(id)->cancel_requested_at;
  ASSERT_TRUE(asked.has_value());
  EXPECT_FALSE(store_->get_workflow(queued)->cancel_requested_at.has_value());

  for (int i = 0; i < 2; ++i) {
    auto renewed = store_->renew_lease(id, "agent-a", 10min);
    ASSERT_OK(renewed);
    EXPECT_TRUE(renewed->cancel_requested);
    EXPECT_EQ(store_->get_workflow(id)->lease_expires_at, renewed->expires_at);
  }
  EXPECT_ERROR(store_->renew_lease(id, "agent-b", 10min), ErrorKind::Conflict);
  EXPECT_FALSE(store_->renew_lease(queued, "agent-a", 10min)->cancel_requested);

  EXPECT_EQ(*store_->unconfirmed_cancels(*asked + 1ms), std::vector<std::string>{id});
  EXPECT_TRUE(store_->unconfirmed_cancels(*asked)->empty()) << "asked no earlier than it was";
  ASSERT_OK(store_->finish_workflow(id, core::Status::Cancelled));
  EXPECT_TRUE(store_->unconfirmed_cancels(*asked + 1h)->empty());
  EXPECT_ERROR(store_->request_cancel("nope"), ErrorKind::Invalid);
}

// Who triggered a workflow, what a rerun repeats and who cancelled it are
// kept with the workflow, in views and lists alike; a cancel without a
// caller (a newer push superseding it) names nobody.
TEST_P(QueueTest, WorkflowsKeepWhoTriggeredReranAndCancelledThem) {
  auto first = store_->enqueue_workflow(project_.id, "d1", push("main"), {.triggered_by = "octocat"});
  ASSERT_OK(first);
  const WorkflowRequest rerun[] = {
      {project_.id, {}, push("main"), {.triggered_by = "admin token ci", .rerun_of = first->id}}};
  auto second = store_->enqueue_workflows(rerun);
  ASSERT_OK(second[0]);
  const std::string third = enqueue("d3");
  const std::string running = enqueue("d4");

  ASSERT_OK(store_->finish_workflow(first->id, core::Status::Cancelled, "cancelled before it started", "alice"));
  ASSERT_OK(store_->finish_workflow(third, core::Status::Cancelled, "superseded by workflow " + running));
  claim("agent-a");  // the first still queued: the rerun
  ASSERT_EQ(claim("agent-a").id, running);
  ASSERT_OK(store_->request_cancel(running, "bob"));
  ASSERT_OK(store_->request_cancel(running, "carol"));  // the first asker stays
  ASSERT_OK(store_->finish_workflow(running, core::Status::Cancelled, "cancelled"));  // its agent confirms

  auto workflow = store_->get_workflow(first->id);
  ASSERT_OK(workflow);
  EXPECT_EQ(workflow->origin.triggered_by, "octocat");
  EXPECT_EQ(workflow->origin.rerun_of, "");
  EXPECT_EQ(workflow->cancelled_by, "alice");
  auto copy = store_->get_workflow(second[0]->id);
  ASSERT_OK(copy);
  EXPECT_EQ(copy->origin.triggered_by, "admin token ci");
  EXPECT_EQ(copy->origin.rerun_of, first->id);
  EXPECT_EQ(copy->cancelled_by, "");
  EXPECT_EQ(store_->get_workflow(third)->cancelled_by, "");
  EXPECT_EQ(store_->get_workflow(third)->origin.triggered_by, "");
  EXPECT_EQ(store_->get_workflow(running)->cancelled_by, "bob");

  auto listed = store_->list_workflows(project_.id, {});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 4u);
  EXPECT_EQ(listed->items[2].origin.rerun_of, first->id);
  EXPECT_EQ(listed->items[3].cancelled_by, "alice");

  EXPECT_ERROR(store_->enqueue_workflow(project_.id, {}, push("main"), {.rerun_of = "nope"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, {}, push("main"), {.triggered_by = std::string(301, 'x')}),
               ErrorKind::Invalid);
}

TEST_P(QueueTest, AnExpiredLeaseRequeuesOnceThenErrors) {
  std::string id = enqueue("d1");
  std::string later = enqueue("d2");
  Workflow first = claim("agent-a");
  ASSERT_EQ(first.id, id);
  ASSERT_OK(store_->record_plan(id, two_pipelines_and_a_skipped_one()));

  auto early = store_->expire_leases(*first.lease_expires_at - 1s);
  ASSERT_OK(early);
  EXPECT_TRUE(early->requeued.empty() && early->failed.empty());

  auto expired = store_->expire_leases(*first.lease_expires_at + 1ms);
  ASSERT_OK(expired);
  EXPECT_EQ(expired->requeued, std::vector<std::string>{id});
  EXPECT_TRUE(expired->failed.empty());
  auto requeued = store_->get_workflow_tree(id);
  ASSERT_OK(requeued);
  EXPECT_EQ(requeued->workflow.status, core::Status::Queued);
  EXPECT_EQ(requeued->workflow.attempt, 2);
  EXPECT_TRUE(requeued->workflow.lease_owner.empty());
  EXPECT_NE(requeued->workflow.status_reason.find("agent-a"), std::string::npos);
  EXPECT_TRUE(requeued->pipelines.empty());  // the next attempt records its own plan

  Workflow second = claim("agent-b");  // a requeued workflow keeps its place: before `later`
  EXPECT_EQ(second.id, id);
  EXPECT_EQ(second.attempt, 2);
  ASSERT_OK(store_->record_plan(id, two_pipelines_and_a_skipped_one()));
  auto failed = store_->expire_leases(*second.lease_expires_at + 1ms);
  ASSERT_OK(failed);
  EXPECT_TRUE(failed->requeued.empty());
  EXPECT_EQ(failed->failed, std::vector<std::string>{id});
  auto tree = store_->get_workflow_tree(id);
  ASSERT_OK(tree);
  EXPECT_EQ(tree->workflow.status, core::Status::Error);
  EXPECT_TRUE(tree->workflow.finished_at.has_value());
  EXPECT_NE(tree->workflow.status_reason.find("no attempts left"), std::string::npos);
  EXPECT_EQ(tree->pipelines[0].stages[0].executions[0].status, core::Status::Error);
  EXPECT_EQ(tree->pipelines[2].status, core::Status::Skipped);  // finished nodes keep their status
  EXPECT_EQ(store_->get_workflow(later)->status, core::Status::Queued);
}

TEST_P(QueueTest, FinishingFollowsTheStatusMachine) {
  std::string queued = enqueue("d1");
  EXPECT_ERROR(store_->finish_workflow(queued, core::Status::Success), ErrorKind::Conflict);
  EXPECT_ERROR(store_->finish_workflow(queued, core::Status::Running), ErrorKind::Invalid);
  auto cancelled = store_->finish_workflow(queued, core::Status::Cancelled, "cancelled by alice");
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status_reason, "cancelled by alice");
  EXPECT_ERROR(store_->finish_workflow(queued, core::Status::Error), ErrorKind::Conflict);
  EXPECT_EQ(store_->get_workflow(queued)->status, core::Status::Cancelled);

  std::string running = enqueue("d2");
  claim("agent-a");
  auto succeeded = store_->finish_workflow(running, core::Status::Success);
  ASSERT_OK(succeeded);
  auto stored = store_->get_workflow(running);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->status, core::Status::Success);
  EXPECT_TRUE(stored->finished_at.has_value());
  EXPECT_TRUE(stored->lease_owner.empty());
  EXPECT_FALSE(stored->lease_expires_at.has_value());
  EXPECT_ERROR(store_->finish_workflow("01900000-0000-7000-8000-000000000000", core::Status::Error),
               ErrorKind::NotFound);

  // Its agent found that no pipeline matches the event.
  std::string unmatched = enqueue("d3");
  claim("agent-a");
  auto skipped = store_->finish_workflow(unmatched, core::Status::Skipped, "no pipeline matches the event");
  ASSERT_OK(skipped);
  EXPECT_EQ(skipped->status, core::Status::Skipped);
}

TEST_P(QueueTest, ThePlanBecomesTheWorkflowTree) {
  std::string id = enqueue("d1");
  claim("agent-a");
  auto recorded = store_->record_plan(id, two_pipelines_and_a_skipped_one());
  ASSERT_OK(recorded);
  EXPECT_ERROR(store_->record_plan(id, two_pipelines_and_a_skipped_one()), ErrorKind::Conflict);

  auto tree = store_->get_workflow_tree(id);
  ASSERT_OK(tree);
  ASSERT_EQ(tree->pipelines.size(), 3u);
  const Pipeline& build = tree->pipelines[1];
  EXPECT_EQ(build.name, "build");
  EXPECT_EQ(build.position, 1);
  EXPECT_EQ(build.depends_on, std::vector<std::string>{"lint"});
  EXPECT_TRUE(tree->pipelines[0].depends_on.empty());
  EXPECT_TRUE(tree->pipelines[2].depends_on.empty());
  ASSERT_EQ(build.stages.size(), 2u);
  EXPECT_EQ(build.stages[0].name, "compile");
  ASSERT_EQ(build.stages[0].executions.size(), 2u);
  EXPECT_EQ(build.stages[0].executions[1].name, "clang");
  EXPECT_EQ(build.stages[0].executions[1].status, core::Status::Queued);
  EXPECT_EQ(build.stages[1].executions[0].name, "ctest");
  EXPECT_EQ(tree->pipelines[2].name, "deploy");
  EXPECT_EQ(tree->pipelines[2].status, core::Status::Skipped);
  EXPECT_EQ(tree->pipelines[2].status_reason, "branch \"main\" does not match branches");
  EXPECT_EQ(recorded->pipelines[1].stages[0].executions[1].id, build.stages[0].executions[1].id);

  const std::string& gcc = build.stages[0].executions[0].id;
  ASSERT_OK(store_->set_pipeline_status(build.id, {core::Status::Running}));
  ASSERT_OK(store_->set_stage_status(build.stages[0].id, {core::Status::Running}));
  ASSERT_OK(store_->set_execution_status(gcc, {core::Status::Running}));
  ASSERT_OK(store_->set_execution_status(gcc, {core::Status::Failure, "exit code 2", 2}));
  EXPECT_ERROR(store_->set_execution_status(gcc, {core::Status::Success}), ErrorKind::Conflict);
  EXPECT_ERROR(store_->set_stage_status(build.stages[1].id, {core::Status::Success}), ErrorKind::Conflict);
  EXPECT_ERROR(store_->set_execution_status("01900000-0000-7000-8000-000000000000", {core::Status::Running}),
               ErrorKind::NotFound);

  ASSERT_OK(store_->finish_workflow(id, core::Status::Cancelled));
  auto after = store_->get_workflow_tree(id);
  ASSERT_OK(after);
  const Execution& failed = after->pipelines[1].stages[0].executions[0];
  EXPECT_EQ(failed.status, core::Status::Failure);
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_EQ(failed.status_reason, "exit code 2");
  EXPECT_TRUE(failed.started_at && failed.finished_at);
  EXPECT_EQ(after->pipelines[1].stages[0].executions[1].status, core::Status::Cancelled);
  EXPECT_EQ(after->pipelines[1].status, core::Status::Cancelled);
  EXPECT_EQ(after->pipelines[2].status, core::Status::Skipped);
  EXPECT_ERROR(store_->record_plan(id, {}), ErrorKind::Conflict);

  auto execution = store_->get_execution(gcc);
  ASSERT_OK(execution);
  EXPECT_EQ(execution->name, "gcc");
  EXPECT_EQ(execution->status, core::Status::Failure);
  EXPECT_EQ(execution->exit_code, 2);
  EXPECT_EQ(execution->started_at, failed.started_at);
  EXPECT_ERROR(store_->get_execution("01900000-0000-7000-8000-000000000000"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->get_execution("not-an-id"), ErrorKind::Invalid);
}

TEST_P(QueueTest, LogsAppendOnceAndReadFromASequenceNumber) {
  std::string id = enqueue("d1");
  claim("agent-a");
  auto tree = store_->record_plan(id, two_pipelines_and_a_skipped_one());
  ASSERT_OK(tree);
  const std::string& execution = tree->pipelines[0].stages[0].executions[0].id;
  Timestamp at = at_millis(1'790'000'000'000);
  std::vector<LogLine> first, second;
  for (int seq = 1; seq <= 5; ++seq) first.push_back({seq, LogStream::Stdout, at, "line " + std::to_string(seq)});
  for (int seq = 4; seq <= 7; ++seq) second.push_back({seq, LogStream::Stderr, at, "again " + std::to_string(seq)});
  ASSERT_OK(store_->append_log(execution, first));
  ASSERT_OK(store_->append_log(execution, second));  // 4 and 5 were stored already
  EXPECT_EQ(database_->scalar(kCountLogLines), 7);

  auto all = store_->read_log(execution, 0);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 7u);
  EXPECT_EQ((*all)[3].text, "line 4");
  EXPECT_EQ((*all)[3].stream, LogStream::Stdout);
  EXPECT_EQ((*all)[6].text, "again 7");
  EXPECT_EQ((*all)[6].stream, LogStream::Stderr);
  EXPECT_EQ((*all)[6].at, at);

  auto resumed = store_->read_log(execution, 5, 1);
  ASSERT_OK(resumed);
  ASSERT_EQ(resumed->size(), 1u);
  EXPECT_EQ((*resumed)[0].seq, 6);
  EXPECT_TRUE(store_->read_log(execution, 7)->empty());

  EXPECT_ERROR(store_->append_log("01900000-0000-7000-8000-000000000000", first), ErrorKind::NotFound);
  EXPECT_ERROR(store_->append_log(execution, {{0, LogStream::Stdout, at, "x"}}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->read_log(execution, 0, 0), ErrorKind::Invalid);
}

// An agent's report is of its workflow's tree and applies whole: a line of
// a running execution goes with the refused change that follows it.
TEST_P(QueueTest, ReportsApplyWholeToTheirWorkflowsTreeOnly) {
  const auto [mine, other, gcc, clang, foreign, foreign_pipeline] = two_running_trees();
  ASSERT_FALSE(gcc.empty());
  const Timestamp at = at_millis(1'790'000'000'000);
  const std::vector<LogLine> lines{{1, LogStream::Stdout, at, "one"}, {2, LogStream::Stdout, at, "two"}};

  TreeReport finish{{{gcc, lines}},
                    {{TreeNode::Execution, gcc, {core::Status::Running}},
                     {TreeNode::Execution, gcc, {core::Status::Success, "", 0}}}};
  ASSERT_OK(store_->record_report(mine, finish));
  ASSERT_OK(store_->record_report(mine, finish));  // sent again: nothing changes
  EXPECT_EQ(store_->read_log(gcc, 0)->size(), 2u);

  const TreeReport cases[] = {
      {{}, {{TreeNode::Execution, foreign, {core::Status::Running}}}},
      {{{foreign, lines}}, {}},
      {{}, {{TreeNode::Pipeline, foreign_pipeline, {core::Status::Running}}}},
      {{}, {{TreeNode::Stage, gcc, {core::Status::Running}}}},  // an execution's id given as a stage's
  };
  for (const TreeReport& report : cases) EXPECT_ERROR(store_->record_report(mine, report), ErrorKind::NotFound);
  EXPECT_TRUE(store_->read_log(foreign, 0)->empty());
  EXPECT_EQ(store_->get_execution(foreign)->status, core::Status::Queued);

  // Lines of a running execution, then a change of a finished one.
  const TreeReport mixed{{{clang, lines}},
                         {{TreeNode::Execution, clang, {core::Status::Running}},
                          {TreeNode::Execution, gcc, {core::Status::Failure}}}};
  EXPECT_ERROR(store_->record_report(mine, mixed), ErrorKind::Conflict);
  EXPECT_TRUE(store_->read_log(clang, 0)->empty());
  EXPECT_EQ(store_->get_execution(clang)->status, core::Status::Queued);
  EXPECT_EQ(store_->get_execution(gcc)->status, core::Status::Success);
  EXPECT_ERROR(store_->record_report(mine, {{{gcc, {{3, LogStream::Stdout, at, "late"}}}}, {}}), ErrorKind::Conflict);
  EXPECT_EQ(store_->read_log(gcc, 0)->size(), 2u);
  // Queued cannot become success.
  EXPECT_ERROR(store_->record_report(mine, {{}, {{TreeNode::Execution, clang, {core::Status::Success}}}}),
               ErrorKind::Conflict);
}

// Test results come with an agent's report, of its workflow's executions
// only; sent again they replace what was there, whatever the status.
TEST_P(QueueTest, TestResultsAreRecordedWithTheReportAndReplaced) {
  const auto [mine, other, gcc, clang, foreign, foreign_pipeline] = two_running_trees();
  ASSERT_FALSE(gcc.empty());
  core::TestResults failing{{3, 1, 0, 1, 0, 750}, {}};
  failing.problems.push_back({core::TestOutcome::Failure, "calc", "divides", "division by zero", "ZeroDivisionError",
                              "calc.py", 12, std::string(core::kMaxTestOutputBytes, 'o')});
  failing.problems.push_back({core::TestOutcome::Flaky, "calc", "waits", "timed out", "", "", 0, ""});

  ASSERT_OK(store_->record_report(
      mine, {{}, {{TreeNode::Execution, gcc, {core::Status::Running}}, {TreeNode::Execution, gcc, {core::Status::Failure}}},
             {{gcc, failing}}}));
  auto listed = store_->list_test_results(mine);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].execution_id, gcc);
  EXPECT_EQ((*listed)[0].results, failing);

  const core::TestResults passing{{3, 0, 0, 1, 1, 700}, {failing.problems[1]}};
  ASSERT_OK(store_->record_report(mine, {{}, {}, {{gcc, passing}, {clang, passing}}}));  // gcc has ended: still taken
  listed = store_->list_test_results(mine);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  for (const ExecutionTests& tests : *listed) EXPECT_EQ(tests.results, passing) << tests.execution_id;

  EXPECT_ERROR(store_->record_report(mine, {{}, {}, {{foreign, passing}}}), ErrorKind::NotFound);
  EXPECT_TRUE(store_->list_test_results(other)->empty());
  core::TestResults too_long = failing;
  too_long.problems[0].message = std::string(core::kMaxTestMessageBytes + 1, 'm');
  EXPECT_ERROR(store_->record_report(mine, {{}, {}, {{clang, too_long}}}), ErrorKind::Invalid);
  const core::TestResults impossible{{1, 2, 0, 0, 0, 0}, {}};
  EXPECT_ERROR(store_->record_report(mine, {{}, {}, {{clang, impossible}}}), ErrorKind::Invalid);
  EXPECT_EQ(store_->list_test_results(mine)->size(), 2u);
}

TEST_P(QueueTest, ProjectWorkflowsListNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(enqueue("d" + std::to_string(i)));
  Project other = create("acme", "sled");
  enqueue("d-other", other.id);
  std::reverse(ids.begin(), ids.end());

  std::vector<std::string> seen;
  PageRequest request{.limit = 2};
  for (;;) {
    auto page = store_->list_workflows(project_.id, request);
    ASSERT_OK(page);
    for (auto& workflow : page->items) seen.push_back(workflow.id);
    if (page->next.empty()) break;
    request.after = page->next;
  }
  EXPECT_EQ(seen, ids);
  EXPECT_ERROR(store_->list_workflows("01900000-0000-7000-8000-000000000000", {}), ErrorKind::NotFound);
  EXPECT_ERROR(store_->list_workflows(project_.id, {.after = "x"}), ErrorKind::Invalid);
}

TEST_P(QueueTest, ANewerPushSupersedesTheUnfinishedPushesToItsBranch) {
  Project other = create("acme", "probe");
  std::string finished = enqueue_event(push("main"), project_.id);
  ASSERT_OK(store_->finish_workflow(finished, core::Status::Cancelled));
  std::string running = enqueue_event(push("main"), project_.id);
  EXPECT_EQ(claim("agent-1").id, running);
  std::string queued = enqueue_event(push("main"), project_.id);
  enqueue_event(push("feature"), project_.id);
  enqueue_event(push("main"), other.id);
  enqueue_event(pull_request("main", "release"), project_.id);
  std::string newest = enqueue_event(push("main"), project_.id);
  enqueue_event(push("main"), project_.id);  // newer than `newest`: not superseded by it

  auto superseded = store_->superseded_workflows(project_.id, newest, push("main"));
  ASSERT_OK(superseded);
  std::vector<std::string> ids;
  for (const Workflow& workflow : *superseded) ids.push_back(workflow.id);
  EXPECT_EQ(ids, (std::vector<std::string>{running, queued}));
  EXPECT_EQ((*superseded)[0].status, core::Status::Running);
  EXPECT_EQ((*superseded)[1].status, core::Status::Queued);
}

TEST_P(QueueTest, APullRequestUpdateSupersedesOnlyTheSameSourceAndTarget) {
  std::string same = enqueue_event(pull_request("feature", "main"));
  enqueue_event(pull_request("feature", "release"));
  enqueue_event(pull_request("other", "main"));
  enqueue_event(push("feature"));
  std::string newest = enqueue_event(pull_request("feature", "main"));

  auto superseded = store_->superseded_workflows(project_.id, newest, pull_request("feature", "main"));
  ASSERT_OK(superseded);
  ASSERT_EQ(superseded->size(), 1u);
  EXPECT_EQ((*superseded)[0].id, same);
}

TEST_P(QueueTest, TagsAndManualRunsSupersedeNothing) {
  core::Event tag;
  tag.name = "tag";
  tag.tag = "v1";
  core::Event manual = push("main");
  manual.name = "manual";
  for (const core::Event& event : {tag, manual}) {
    std::string older = enqueue_event(event);
    std::string newer = enqueue_event(event);
    auto superseded = store_->superseded_workflows(project_.id, newer, event);
    ASSERT_OK(superseded);
    EXPECT_TRUE(superseded->empty()) << event.name << " superseded " << older;
  }
  EXPECT_ERROR(store_->superseded_workflows(project_.id, "not-an-id", push("main")), ErrorKind::Invalid);
}

TEST_P(QueueTest, DeletingAProjectDeletesItsWorkflowsTreesAndLogs) {
  std::string id = enqueue("d1");
  claim("agent-a");
  auto tree = store_->record_plan(id, two_pipelines_and_a_skipped_one());
  ASSERT_OK(tree);
  ASSERT_OK(store_->append_log(tree->pipelines[0].stages[0].executions[0].id,
                               {{1, LogStream::System, at_millis(0), "started"}}));
  ASSERT_OK(store_->delete_project(project_.id));
  EXPECT_EQ(database_->scalar(kCountWorkflows), 0);
  EXPECT_EQ(database_->scalar(kCountLogLines), 0);
  EXPECT_ERROR(store_->get_workflow(id), ErrorKind::NotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
