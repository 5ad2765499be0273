// The gate of a pipeline with a concurrency group or an environment
// (runner.h, Options::gate), with real processes: it waits before the first
// stage holding no job slot, ends the pipeline when the gate says so, and
// gives its executions the secrets it released, masked in their logs and in
// those of every later execution.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

core::PipelineSpec gated(std::string name, std::vector<core::StageSpec> stages, std::string environment) {
  core::PipelineSpec spec = pipeline(std::move(name), std::move(stages));
  spec.environment = std::move(environment);
  return spec;
}

TEST(Gate, AWaitingPipelineHoldsNoJobSlotAndGetsItsSecretsMasked) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{gated("deploy", {stage("s", {exec("ship", "echo key=$DEPLOY_KEY")})}, "production"),
                   pipeline("build", {stage("s", {exec("make", "echo key=${DEPLOY_KEY:-unset}; touch built")})})}};
  Options options = options_in(dir, 1);
  options.mask = core::SecretMask{{{"TOKEN", "job-token"}}};
  std::atomic<bool> build_ran{false};
  options.gate = [&](std::size_t p, const CancelHandle&) {
    EXPECT_EQ(p, 0u);
    // With one job, "build" can only run while "deploy" waits here.
    for (int i = 0; i < 200 && !std::filesystem::exists(dir.path() / "built"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    build_ran = std::filesystem::exists(dir.path() / "built");
    return GateOpening{Status::Running, {}, {{"DEPLOY_KEY", "d3ploy-s3cret"}}};
  };
  const RunResult result = run(plan, options, observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_TRUE(build_ran);
  const auto lines = observer.texts(Stream::Stdout);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "key=***"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "key=unset"), lines.end());  // another pipeline never sees it
}

// A secret a gate released is masked in every execution that starts
// afterwards, of any pipeline: a later one may print it from a file.
TEST(Gate, AReleasedSecretIsMaskedInTheLogsOfLaterPipelinesToo) {
  TempDir dir;
  RecordingObserver observer;
  const std::string file = (dir.path() / "key").string();
  core::Plan plan{{gated("deploy", {stage("s", {exec("ship", "printf %s \"$DEPLOY_KEY\" > " + file)})}, "production"),
                   pipeline("notify", {stage("s", {exec("tell", "echo read=$(cat " + file + ")")})})}};
  plan.pipelines[1].depends_on = {"deploy"};
  Options options = options_in(dir);
  options.gate = [](std::size_t, const CancelHandle&) {
    return GateOpening{Status::Running, {}, {{"DEPLOY_KEY", "d3ploy-s3cret"}}};
  };
  const RunResult result = run(plan, options, observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"read=***"});
}

TEST(Gate, AGateThatSaysNoEndsThePipelineWithItsReasonAndSkipsItsDependants) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{gated("deploy", {stage("s", {exec("ship", "touch shipped")})}, "production"),
                   pipeline("notify", {stage("s", {exec("tell", "true")})})}};
  plan.pipelines[1].depends_on = {"deploy"};
  Options options = options_in(dir);
  options.gate = [](std::size_t, const CancelHandle&) {
    return GateOpening{Status::Skipped, "branch \"x\" may not deploy", {}};
  };
  const RunResult result = run(plan, options, observer);
  EXPECT_EQ(result.pipelines[0].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[0].error, "branch \"x\" may not deploy");
  EXPECT_EQ(result.pipelines[0].stages[0].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[1].status, Status::Skipped);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "shipped"));
}

TEST(Gate, ACancelEndsTheWait) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{gated("deploy", {stage("s", {exec("ship", "true")})}, "production")}};
  Options options = options_in(dir);
  options.gate = [](std::size_t, const CancelHandle& cancel) {
    while (!cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds{10});
    return GateOpening{Status::Cancelled, "cancelled", {}};
  };
  CancelHandle cancel;
  std::thread canceller{[&] {
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
    cancel.cancel();
  }};
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = run_plan(plan, options, observer, cancel);
  canceller.join();
  EXPECT_LT(seconds_since(start), 2.0);
  EXPECT_EQ(result.pipelines[0].status, Status::Cancelled);
  EXPECT_EQ(result.pipelines[0].stages[0].executions[0].status, Status::Cancelled);
}

}  // namespace
}  // namespace runner
