// The orchestrator's bookkeeping: provisioning within capacity, a token per
// workflow, agents that die, leases that run out, long polls, cancels.
#include "orchestrator/orchestrator.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "../store/test_database.h"

namespace orchestrator {
namespace {

using namespace std::chrono_literals;

// Records launches; the test decides when "agents" exit.
class RecordingProvisioner final : public Provisioner {
 public:
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<AgentLaunch> launches;
    std::vector<AgentExit> exits;  // handed out by the next reap()
    std::vector<std::string> stopped;
    std::vector<std::string> cancelled;
    std::size_t running = 0;
    std::size_t max_agents = 2;
  };

  explicit RecordingProvisioner(std::shared_ptr<Shared> shared) : shared_{std::move(shared)} {}
  std::string name() const override { return "test"; }
  std::size_t capacity() const override {
    std::lock_guard lock{shared_->mutex};
    return shared_->max_agents - shared_->running;
  }
  std::size_t running() const override {
    std::lock_guard lock{shared_->mutex};
    return shared_->running;
  }
  bool provision(const AgentLaunch& launch, std::string&) override {
    std::lock_guard lock{shared_->mutex};
    shared_->launches.push_back(launch);
    ++shared_->running;
    shared_->changed.notify_all();
    return true;
  }
  void stop(const std::string& workflow_id) override {
    std::lock_guard lock{shared_->mutex};
    shared_->stopped.push_back(workflow_id);
  }
  void cancel(const std::string& workflow_id) override {
    std::lock_guard lock{shared_->mutex};
    shared_->cancelled.push_back(workflow_id);
    shared_->changed.notify_all();
  }
  std::vector<AgentExit> reap() override {
    std::lock_guard lock{shared_->mutex};
    shared_->running -= shared_->exits.size();
    return std::exchange(shared_->exits, {});
  }

 private:
  std::shared_ptr<Shared> shared_;
};

class OrchestratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    database_ = store::testing::TestDatabase::create("sqlite", why);
    ASSERT_TRUE(database_) << why;
    store_ = std::move(store::open(database_->url()).value());
    project_id_ = store_->create_project({"acme", "rocket", "https://github.com/acme/rocket", "s"}).value().id;
  }

  void start(Options options = {}) {
    options.tick = 20ms;
    options.server_url = "http://127.0.0.1:1";
    orchestrator_ = std::make_unique<Orchestrator>(*store_, std::make_unique<RecordingProvisioner>(shared_), options);
    orchestrator_->start();
  }

  std::string enqueue() {
    const std::string id =
        store_->enqueue_workflow(project_id_, {}, core::Event{.name = "push", .branch = "main"}).value().id;
    if (orchestrator_) orchestrator_->workflow_queued();
    return id;
  }

  // Waits (up to 10 s) until `done` holds for the provisioner's record.
  template <class Predicate>
  bool wait_for(Predicate done) {
    std::unique_lock lock{shared_->mutex};
    return shared_->changed.wait_for(lock, 10s, [&] { return done(*shared_); });
  }

  // Polls `done` until it holds (true) or 10 s passed (false).
  template <class Predicate>
  static bool eventually(Predicate done) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  bool wait_for_status(const std::string& id, core::Status status) {
    return eventually([&] { return store_->get_workflow(id).value().status == status; });
  }

  void agent_exits(const AgentLaunch& launch, bool clean) {
    std::lock_guard lock{shared_->mutex};
    const char* how = clean ? "exited with status 0" : "was killed by signal 9";
    shared_->exits.push_back({launch.workflow_id, launch.agent_name, how, clean});
  }

  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::string project_id_;
  std::shared_ptr<RecordingProvisioner::Shared> shared_ = std::make_shared<RecordingProvisioner::Shared>();
  std::unique_ptr<Orchestrator> orchestrator_;  // last: stopped before the store goes
};

TEST_F(OrchestratorTest, ProvisionsUpToCapacityWithATokenForEachWorkflow) {
  const std::string first = enqueue(), second = enqueue(), third = enqueue();
  start();
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 2; }));
  std::vector<AgentLaunch> launches;
  {
    std::lock_guard lock{shared_->mutex};
    launches = shared_->launches;
  }
  EXPECT_EQ(launches[0].workflow_id, first);  // oldest first
  EXPECT_EQ(launches[1].workflow_id, second);
  EXPECT_EQ(launches[0].server_url, "http://127.0.0.1:1");
  for (const auto& launch : launches) {
    auto token = store_->verify_token(launch.token);
    ASSERT_TRUE(token);
    EXPECT_EQ(token->scope, store::TokenScope::Agent);
    EXPECT_EQ(token->workflow_id, launch.workflow_id);
    const auto workflow = store_->get_workflow(launch.workflow_id).value();
    EXPECT_EQ(workflow.status, core::Status::Running);
    EXPECT_EQ(workflow.lease_owner, launch.agent_name);
  }
  EXPECT_EQ(store_->get_workflow(third).value().status, core::Status::Queued);
  EXPECT_TRUE(eventually([&] { return orchestrator_->waiting_reason() == "all 2 test agents are busy"; }))
      << orchestrator_->waiting_reason();

  // An agent that finished frees its slot for the third workflow.
  ASSERT_TRUE(store_->finish_workflow(first, core::Status::Success));
  orchestrator_->workflow_finished(first);
  agent_exits(launches[0], true);
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 3; }));
  EXPECT_EQ(store_->get_workflow(first).value().status, core::Status::Success);
  EXPECT_FALSE(store_->verify_token(launches[0].token));  // a finished workflow's token is gone
}

TEST_F(OrchestratorTest, AnAgentThatDiesFailsItsWorkflowWithHowItEnded) {
  const std::string id = enqueue();
  start();
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 1; }));
  agent_exits(shared_->launches[0], false);
  ASSERT_TRUE(wait_for_status(id, core::Status::Error));
  EXPECT_NE(store_->get_workflow(id).value().status_reason.find("killed by signal 9"), std::string::npos);
  EXPECT_FALSE(store_->verify_token(shared_->launches[0].token));
}

TEST_F(OrchestratorTest, ALostLeaseQueuesTheWorkflowAgainForANewAgent) {
  const std::string id = enqueue();
  start({.lease = 200ms});
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 1; }));
  // The agent never renews its lease: after 200 ms the workflow goes to a new one.
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 2; }));
  std::lock_guard lock{shared_->mutex};
  EXPECT_EQ(shared_->launches[1].workflow_id, id);
  EXPECT_EQ(shared_->stopped, std::vector<std::string>{id});  // the first agent is stopped
  EXPECT_FALSE(store_->verify_token(shared_->launches[0].token));
  EXPECT_EQ(store_->get_workflow(id).value().attempt, 2);
}

TEST_F(OrchestratorTest, WaitingClaimsGetQueuedWorkflowsOrNothingAfterTheirWait) {
  shared_->max_agents = 0;  // a pool: agents claim by themselves
  start();
  std::mutex mutex;
  std::condition_variable answered;
  std::vector<std::optional<store::Workflow>> answers;
  auto answer = [&](std::optional<store::Workflow> workflow) {
    std::lock_guard lock{mutex};
    answers.push_back(std::move(workflow));
    answered.notify_all();
  };
  orchestrator_->claim("pool-1", 5s, answer);
  orchestrator_->claim("pool-2", 100ms, answer);
  std::unique_lock lock{mutex};
  ASSERT_TRUE(answered.wait_for(lock, 5s, [&] { return answers.size() == 1; }));
  EXPECT_FALSE(answers[0]);  // pool-2's wait ran out
  lock.unlock();
  const std::string id = enqueue();
  lock.lock();
  ASSERT_TRUE(answered.wait_for(lock, 5s, [&] { return answers.size() == 2; }));
  ASSERT_TRUE(answers[1]);
  EXPECT_EQ(answers[1]->id, id);
  EXPECT_EQ(answers[1]->lease_owner, "pool-1");
}

TEST_F(OrchestratorTest, AnUnconfirmedCancelEndsTheWorkflowAfterTheGracePeriod) {
  const std::string id = enqueue();
  start({.cancel_grace = 100ms});
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 1; }));
  ASSERT_TRUE(store_->request_cancel(id));
  ASSERT_TRUE(wait_for_status(id, core::Status::Cancelled));
  std::lock_guard lock{shared_->mutex};
  EXPECT_EQ(shared_->stopped, std::vector<std::string>{id});
}

// The provisioner hears of a cancel once, on the orchestrator's thread, and
// may act on it before the agent confirms (Kubernetes cleans up the Job).
// The cancel is asked through the store, as any server's API asks it.
TEST_F(OrchestratorTest, ACancelIsPassedOnToTheProvisionerOnce) {
  const std::string id = enqueue();
  start();
  ASSERT_TRUE(wait_for([](auto& shared) { return shared.launches.size() == 1; }));
  ASSERT_TRUE(store_->request_cancel(id));
  ASSERT_TRUE(store_->request_cancel(id));
  ASSERT_TRUE(wait_for([](auto& shared) { return !shared.cancelled.empty(); }));
  std::this_thread::sleep_for(100ms);  // five ticks: no second call
  std::lock_guard lock{shared_->mutex};
  EXPECT_EQ(shared_->cancelled, std::vector<std::string>{id});
  EXPECT_TRUE(shared_->stopped.empty()) << "stopping is for agents that do not confirm";
}

}  // namespace
}  // namespace orchestrator
