// The server's background work with GitHub (server/github_sync.h) on a real
// SQLite store, against the stand-in GitHub on loopback: commit statuses
// survive an outage in order, refused ones do not block the rest, and
// deliveries that never reached the server are redelivered once.
#include "server/github_sync.h"

#include <gtest/gtest.h>

#include <thread>

#include "github_standin.h"
#include "temp_dir.h"

namespace {

using namespace std::chrono_literals;
using githubtest::GitHubStandin;
using nlohmann::json;

constexpr const char* kSha = "5f3c2a7e9b1d4c6a8e0f2b4d6a8c0e2f4a6b8d0c";

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class GitHubSyncTest : public ::testing::Test {
 protected:
  GitHubSyncTest() {
    standin_.add_repository("acme/rocket");
    standin_.accept_personal_token("ghp_test");
    auto opened = store::open("sqlite:" + (dir_.path() / "factory.db").string(), {.queue_commit_statuses = true});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    project_ = *store_->create_project({"acme", "rocket", "https://github.com/acme/rocket.git", "hook-secret"});
  }

  // A workflow of a push with its plan recorded: build and test queued.
  std::string planned_workflow(const std::string& delivery) {
    core::Event event{.name = "push", .branch = "main", .sha = kSha};
    const std::string id = store_->enqueue_workflow(project_.id, delivery, event)->id;
    EXPECT_TRUE(store_->claim_next_workflow("agent", 30s).ok());
    core::Plan plan;
    plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "gcc"}}}}});
    plan.pipelines.push_back({.name = "test", .stages = {{"unit", {{.name = "ctest"}}}}});
    tree_ = *store_->record_plan(id, plan);
    return id;
  }

  server::GitHubSyncOptions options() {
    return {.public_url = "https://ci.example/",
            .poll = 20ms,
            .backoff = 20ms,
            .longest_backoff = 100ms,
            .redelivery_interval = 0ms,
            .max_attempts = 3,
            .warn = [this](const std::string& message) {
              std::lock_guard lock{mutex_};
              warnings_.push_back(message);
            }};
  }

  std::vector<std::string> arrived() const {
    std::vector<std::string> texts;
    for (const json& status : standin_.statuses(kSha))
      texts.push_back(status["context"].get<std::string>() + " " + status["state"].get<std::string>());
    return texts;
  }

  testpaths::TempDir dir_{"github-sync"};
  GitHubStandin standin_;
  github::GitHub github_{{.rest = {.api_url = standin_.url(), .attempts = 2, .backoff = 5ms}, .token = "ghp_test"}};
  std::unique_ptr<store::Store> store_;
  store::Project project_;
  store::WorkflowTree tree_;
  std::mutex mutex_;
  std::vector<std::string> warnings_;
};

TEST(CommitStatus, SaysWhatThePipelineDidAndLinksToTheWorkflow) {
  store::QueuedCommitStatus queued{.id = "s", .workflow_id = "w1", .project_id = "p1", .pipeline = "build",
                                   .status = core::Status::Queued};
  auto status = server::commit_status(queued, "https://ci.example");
  EXPECT_EQ(status.state, "pending");
  EXPECT_EQ(status.context, "factory/build");
  EXPECT_EQ(status.description, "queued");
  queued.pipeline.clear();
  EXPECT_EQ(server::commit_status(queued, "").context, "factory");  // the workflow as a whole
  EXPECT_EQ(status.target_url, "https://ci.example/projects/p1/workflows/w1");

  const std::pair<core::Status, const char*> states[] = {{core::Status::Success, "success"},
                                                         {core::Status::Failure, "failure"},
                                                         {core::Status::Error, "error"},
                                                         {core::Status::Cancelled, "error"},
                                                         {core::Status::Skipped, "success"}};
  for (auto [ours, theirs] : states) {
    queued.status = ours;
    EXPECT_EQ(server::commit_status(queued, "").state, theirs) << core::to_string(ours);
  }
  queued.status = core::Status::WaitingForApproval;  // a fork's pull request, until someone approves it
  EXPECT_EQ(server::commit_status(queued, "").state, "pending");
  EXPECT_EQ(server::commit_status(queued, "").description, "waiting for approval by someone with write access");
  queued.status = core::Status::Failure;
  queued.reason = std::string(300, 'x');
  status = server::commit_status(queued, "");
  EXPECT_EQ(status.description.size(), 140u);
  EXPECT_TRUE(status.target_url.empty());
}

TEST_F(GitHubSyncTest, StatusesSurviveAnOutageInOrderWithoutRepeats) {
  planned_workflow("d1");
  ASSERT_TRUE(store_->set_pipeline_status(tree_.pipelines[0].id, {core::Status::Running, ""}).ok());
  ASSERT_TRUE(store_->set_pipeline_status(tree_.pipelines[0].id, {core::Status::Success, ""}).ok());
  standin_.fail_next(9, 503);  // several rounds of the client's own retries

  server::GitHubSync sync{*store_, github_, options()};
  sync.start();
  ASSERT_TRUE(store_->set_pipeline_status(tree_.pipelines[1].id, {core::Status::Running, ""}).ok());
  ASSERT_TRUE(store_->set_pipeline_status(tree_.pipelines[1].id, {core::Status::Failure, "ctest failed"}).ok());
  ASSERT_TRUE(wait_until([&] { return arrived().size() >= 5; })) << ::testing::PrintToString(arrived());
  std::this_thread::sleep_for(100ms);  // time for a repeat to show
  sync.stop();

  EXPECT_EQ(arrived(), (std::vector<std::string>{"factory pending", "factory/build pending", "factory/test pending",
                                                 "factory/build success", "factory/test failure"}));
  EXPECT_EQ(standin_.statuses(kSha)[4]["description"], "failed: ctest failed");
  EXPECT_GE(standin_.calls_to("POST", "/statuses").size(), 5u + 9u);
  EXPECT_TRUE(store_->queued_commit_statuses(10)->empty());
  std::lock_guard lock{mutex_};
  EXPECT_FALSE(warnings_.empty());  // the outage was noticed
}

TEST_F(GitHubSyncTest, AStatusGitHubRefusesIsDroppedAndTheRestGoOn) {
  store::Project elsewhere = *store_->create_project({"acme", "gone", "https://github.com/acme/gone.git", "s"});
  core::Event event{.name = "push", .branch = "main", .sha = kSha};
  const std::string lost = store_->enqueue_workflow(elsewhere.id, "d0", event)->id;
  ASSERT_TRUE(store_->claim_next_workflow("agent", 30s).ok());
  core::Plan plan;
  plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "gcc"}}}}});
  ASSERT_TRUE(store_->record_plan(lost, plan).ok());  // acme/gone is unknown to GitHub: 404
  planned_workflow("d1");

  server::GitHubSync sync{*store_, github_, options()};
  EXPECT_TRUE(sync.send_statuses());
  EXPECT_EQ(arrived(), (std::vector<std::string>{"factory pending", "factory/build pending", "factory/test pending"}));
  std::lock_guard lock{mutex_};
  ASSERT_EQ(warnings_.size(), 2u);  // the workflow's status and its pipeline's
  EXPECT_NE(warnings_[0].find("acme/gone"), std::string::npos) << warnings_[0];
}

TEST_F(GitHubSyncTest, StatusesWaitForCredentialsThatWork) {
  planned_workflow("d1");
  github::GitHub revoked{{.rest = {.api_url = standin_.url(), .attempts = 1}, .token = "ghp_revoked"}};
  server::GitHubSync sync{*store_, revoked, options()};
  EXPECT_FALSE(sync.send_statuses());
  EXPECT_EQ(store_->queued_commit_statuses(10)->size(), 3u);
  EXPECT_TRUE(arrived().empty());
}

TEST_F(GitHubSyncTest, DeliveriesThatNeverArrivedAreRedeliveredOnce) {
  const auto hook = github_.create_hook({"acme", "rocket"}, standin_.url() + "/not-factory", "hook-secret");
  ASSERT_TRUE(hook.ok());
  const std::int64_t hook_id = hook.body["id"];
  ASSERT_TRUE(store_->set_github_hook(project_.id, hook_id).ok());
  planned_workflow("queued-after-all");
  standin_.add_delivery(hook_id, {.id = 1, .guid = "ok", .status_code = 202, .event = "push", .payload = "{}"});
  standin_.add_delivery(hook_id, {.id = 2, .guid = "lost", .status_code = 503, .event = "push", .payload = "{}"});
  standin_.add_delivery(hook_id, {.id = 3, .guid = "unreached", .status_code = 0, .event = "push", .payload = "{}"});
  standin_.add_delivery(hook_id,
                        {.id = 4, .guid = "queued-after-all", .status_code = 504, .event = "push", .payload = "{}"});
  for (int id = 5; id <= 7; ++id)
    standin_.add_delivery(hook_id, {.id = id, .guid = "hopeless", .status_code = 500, .redelivery = id > 5,
                                    .event = "push", .payload = "{}"});

  server::GitHubSync sync{*store_, github_, options()};
  sync.redeliver_failed();
  std::set<std::string> redelivered;
  for (const auto& call : standin_.calls_to("POST", "/attempts")) redelivered.insert(call.path);
  EXPECT_EQ(redelivered, (std::set<std::string>{"/repos/acme/rocket/hooks/" + std::to_string(hook_id) +
                                                    "/deliveries/2/attempts",
                                                "/repos/acme/rocket/hooks/" + std::to_string(hook_id) +
                                                    "/deliveries/3/attempts"}));
}

}  // namespace
