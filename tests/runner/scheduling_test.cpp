// Order, parallelism and failure semantics of pipelines, stages and
// executions, with real processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

TEST(Scheduling, ExecutionsOfAStageRunInParallel) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("s", {exec("a", "sleep 1"), exec("b", "sleep 1")})})}};
  auto start = std::chrono::steady_clock::now();
  auto result = run(plan, options_in(dir), observer);
  EXPECT_LT(seconds_since(start), 1.8);
  EXPECT_EQ(result.status, Status::Success);
}

TEST(Scheduling, JobsBoundMakesExecutionsWait) {
  TempDir dir;
  RecordingObserver observer;
  // Each writes its start and end; with one job they never overlap.
  auto step = [](std::string name) {
    return exec(name, "echo start " + name + " >> log; sleep 0.3; echo end " + name + " >> log");
  };
  core::Plan plan{{pipeline("p", {stage("s", {step("a"), step("b"), step("c")})})}};
  auto start = std::chrono::steady_clock::now();
  auto result = run(plan, options_in(dir, 1), observer);
  EXPECT_GE(seconds_since(start), 0.9);
  EXPECT_EQ(result.status, Status::Success);
  std::istringstream log(dir.read("log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  for (std::size_t i = 0; i < 6; i += 2) {
    EXPECT_EQ(lines[i].substr(0, 6), "start ");
    EXPECT_EQ(lines[i + 1], "end " + lines[i].substr(6));
  }
}

TEST(Scheduling, StagesRunInOrder) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("first", {exec("a", "sleep 0.3; echo one > f")}),
                                  stage("second", {exec("b", "test \"$(cat f)\" = one; echo two >> f")})})}};
  auto result = run(plan, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_EQ(dir.read("f"), "one\ntwo\n");
  auto first_done = std::find(observer.events.begin(), observer.events.end(), "stage 0.0 success");
  auto second_runs = std::find(observer.events.begin(), observer.events.end(), "stage 0.1 running");
  EXPECT_LT(first_done, second_runs);
}

TEST(Scheduling, FailedStageSkipsTheRestAndFailsThePipeline) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("one", {exec("ok", "true"), exec("bad", "exit 7")}),
                                  stage("two", {exec("never", "touch ran")})})}};
  auto result = run(plan, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Failure);
  const auto& p = result.pipelines[0];
  EXPECT_EQ(p.status, Status::Failure);
  EXPECT_EQ(p.stages[0].status, Status::Failure);
  EXPECT_EQ(p.stages[0].executions[0].status, Status::Success);
  EXPECT_EQ(p.stages[0].executions[1].status, Status::Failure);
  EXPECT_EQ(p.stages[0].executions[1].exit_code, 7);
  EXPECT_EQ(p.stages[1].status, Status::Skipped);
  EXPECT_EQ(p.stages[1].executions[0].status, Status::Skipped);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ran"));
}

TEST(Scheduling, AllowedFailureFailsAloneAndTheStageGoesOn) {
  TempDir dir;
  RecordingObserver observer;
  auto flaky = exec("flaky", "exit 3");
  flaky.allow_failure = true;
  core::Plan plan{{pipeline("p", {stage("one", {flaky, exec("ok", "true")}),
                                  stage("two", {exec("after", "touch ran")})})}};
  auto result = run(plan, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_EQ(result.pipelines[0].stages[0].executions[0].status, Status::Failure);
  EXPECT_EQ(result.pipelines[0].stages[0].executions[0].exit_code, 3);
  EXPECT_EQ(result.pipelines[0].stages[0].status, Status::Success);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ran"));
}

TEST(Scheduling, DependantsWaitAndAreSkippedWhenADependencyFails) {
  TempDir dir;
  RecordingObserver observer;
  auto lint = pipeline("lint", {stage("s", {exec("l", "sleep 0.3; touch linted")})});
  auto build = pipeline("build", {stage("s", {exec("b", "test -f linted")})});
  build.depends_on = {"lint"};
  auto broken = pipeline("broken", {stage("s", {exec("x", "false")})});
  auto after_broken = pipeline("after-broken", {stage("s", {exec("y", "touch never")})});
  after_broken.depends_on = {"broken"};
  auto chained = pipeline("chained", {stage("s", {exec("z", "touch never2")})});
  chained.depends_on = {"after-broken"};
  core::Plan plan{{lint, build, broken, after_broken, chained}};
  auto result = run(plan, options_in(dir), observer);
  EXPECT_EQ(result.pipelines[0].status, Status::Success);
  EXPECT_EQ(result.pipelines[1].status, Status::Success);
  EXPECT_EQ(result.pipelines[2].status, Status::Failure);
  EXPECT_EQ(result.pipelines[3].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[3].stages[0].executions[0].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[4].status, Status::Skipped);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "never"));
  EXPECT_EQ(result.status, Status::Failure);
}

TEST(Scheduling, IndependentPipelinesRunInParallel) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("a", {stage("s", {exec("x", "sleep 1")})}),
                   pipeline("b", {stage("s", {exec("y", "sleep 1")})})}};
  auto start = std::chrono::steady_clock::now();
  auto result = run(plan, options_in(dir), observer);
  EXPECT_LT(seconds_since(start), 1.8);
  EXPECT_EQ(result.status, Status::Success);
}

TEST(Scheduling, RetriesRerunAFailedExecution) {
  TempDir dir;
  RecordingObserver observer;
  // Fails twice, then succeeds: the counter lives in the workspace.
  auto flaky = exec("flaky", "echo x >> tries; test $(wc -l < tries) -ge 3");
  flaky.retry = 5;
  auto hopeless = exec("hopeless", "echo y >> hopeless; exit 1");
  hopeless.retry = 2;
  core::Plan plan{{pipeline("p", {stage("s", {flaky, hopeless})})}};
  auto result = run(plan, options_in(dir), observer);
  const auto& executions = result.pipelines[0].stages[0].executions;
  EXPECT_EQ(executions[0].status, Status::Success);
  EXPECT_EQ(executions[0].attempts, 3);
  EXPECT_EQ(executions[1].status, Status::Failure);
  EXPECT_EQ(executions[1].attempts, 3);
  EXPECT_EQ(dir.read("hopeless"), "y\ny\ny\n");
}

// A rerun of part of a workflow keeps results: kept executions never run,
// end with the result given, and their stage goes on as if they had run.
TEST(Scheduling, KeptExecutionsDoNotRunAndTheirStagesGoOn) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("s", {exec("a", "echo a >> ran"), exec("b", "echo b >> ran"),
                                              exec("c", "echo c >> ran")}),
                                  stage("later", {exec("d", "echo d >> ran")})}),
                   pipeline("q", {stage("s", {exec("e", "echo e >> ran")})})}};
  plan.pipelines[1].depends_on = {"p"};
  Options options = options_in(dir);
  options.kept = {{{0, 0, 0}, Status::Success, "kept from workflow w1"},
                  {{0, 0, 2}, Status::Skipped, "kept from workflow w1"},
                  {{1, 0, 0}, Status::Success, "kept from workflow w1"}};
  auto result = run(plan, options, observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_EQ(dir.read("ran"), "b\nd\n");
  const auto& first = result.pipelines[0].stages[0].executions;
  EXPECT_EQ(first[0].status, Status::Success);
  EXPECT_EQ(first[0].kept, "kept from workflow w1");
  EXPECT_EQ(first[0].attempts, 0);
  EXPECT_EQ(first[2].status, Status::Skipped);
  EXPECT_TRUE(first[1].kept.empty());

  // A kept failure fails its stage as a failure that ran would.
  TempDir again;
  options = options_in(again);
  options.kept = {{{0, 0, 0}, Status::Failure, "kept from workflow w1"}};
  result = run(plan, options, observer);
  EXPECT_EQ(result.status, Status::Failure);
  std::string ran = again.read("ran");  // b and c ran at once, in either order
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, "\n\nbc");
  EXPECT_EQ(result.pipelines[0].stages[1].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[1].status, Status::Skipped);
}

TEST(Scheduling, ResultTreeHasTimes) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("s", {exec("a", "sleep 0.2")})})}};
  auto result = run(plan, options_in(dir), observer);
  const auto& execution = result.pipelines[0].stages[0].executions[0];
  EXPECT_GE(execution.finished - execution.started, std::chrono::milliseconds(150));
  EXPECT_LE(result.started, result.pipelines[0].started);
  EXPECT_LE(result.pipelines[0].finished, result.finished);
  EXPECT_LE(result.pipelines[0].stages[0].started, execution.started);
}

TEST(Scheduling, EmptyPlanSucceeds) {
  TempDir dir;
  RecordingObserver observer;
  auto result = run(core::Plan{}, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_TRUE(result.pipelines.empty());
}

}  // namespace
}  // namespace runner
