// Stages and executions the plan skips (a `when` that is false): they never
// run, end skipped with the plan's reason, and the rest goes on.
#include <gtest/gtest.h>

#include <algorithm>

#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

core::ExecutionSpec skipped_exec(std::string name, std::string reason) {
  core::ExecutionSpec spec = exec(std::move(name), "touch never");
  spec.skip_reason = std::move(reason);
  return spec;
}

core::StageSpec skipped_stage(std::string name, std::string reason) {
  core::StageSpec spec = stage(std::move(name), {skipped_exec("x", reason)});
  spec.skip_reason = std::move(reason);
  return spec;
}

bool seen(const RecordingObserver& observer, const std::string& event) {
  return std::find(observer.events.begin(), observer.events.end(), event) != observer.events.end();
}

TEST(Skipping, SkippedExecutionsAndStagesNeverRunAndTheRestGoesOn) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("one", {exec("runs", "touch ran"), skipped_exec("not", "when: a is false")}),
                                  skipped_stage("two", "when: b is false"),
                                  stage("three", {exec("after", "touch after")})})}};
  auto result = run(plan, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success);
  const auto& p = result.pipelines[0];
  EXPECT_EQ(p.status, Status::Success);
  EXPECT_EQ(p.skip_reason, "");
  EXPECT_EQ(p.stages[0].status, Status::Success);
  EXPECT_EQ(p.stages[0].executions[1].status, Status::Skipped);
  EXPECT_EQ(p.stages[0].executions[1].skip_reason, "when: a is false");
  EXPECT_EQ(p.stages[0].executions[1].attempts, 0);
  EXPECT_EQ(p.stages[1].status, Status::Skipped);
  EXPECT_EQ(p.stages[1].skip_reason, "when: b is false");
  EXPECT_EQ(p.stages[1].executions[0].skip_reason, "when: b is false");
  EXPECT_EQ(p.stages[2].status, Status::Success);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ran"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "after"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "never"));
  // Straight from queued to skipped: never running.
  EXPECT_TRUE(seen(observer, "execution 0.0.1 skipped"));
  EXPECT_FALSE(seen(observer, "execution 0.0.1 running"));
  EXPECT_TRUE(seen(observer, "stage 0.1 skipped"));
  EXPECT_FALSE(seen(observer, "stage 0.1 running"));
}

TEST(Skipping, APipelineWhoseEveryStageIsSkippedIsSkippedAndSoAreItsDependants) {
  TempDir dir;
  RecordingObserver observer;
  auto all_skipped = pipeline("deploy", {skipped_stage("push", "when: event.branch == \"main\" is false")});
  auto after = pipeline("announce", {stage("s", {exec("a", "touch announced")})});
  after.depends_on = {"deploy"};
  auto other = pipeline("test", {stage("s", {exec("t", "touch tested")})});
  auto result = run(core::Plan{{all_skipped, after, other}}, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_EQ(result.pipelines[0].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[0].skip_reason, "every stage is skipped");
  EXPECT_EQ(result.pipelines[0].stages[0].skip_reason, "when: event.branch == \"main\" is false");
  EXPECT_FALSE(seen(observer, "pipeline 0 running"));
  EXPECT_EQ(result.pipelines[1].status, Status::Skipped);
  EXPECT_EQ(result.pipelines[2].status, Status::Success);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "announced"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "never"));
}

TEST(Skipping, StagesAfterAFailureKeepThePlansReasons) {
  TempDir dir;
  RecordingObserver observer;
  core::Plan plan{{pipeline("p", {stage("one", {exec("bad", "false")}), skipped_stage("two", "when: c is false"),
                                  stage("three", {exec("never", "touch never")})})}};
  auto result = run(plan, options_in(dir), observer);
  const auto& p = result.pipelines[0];
  EXPECT_EQ(p.status, Status::Failure);
  EXPECT_EQ(p.stages[1].status, Status::Skipped);
  EXPECT_EQ(p.stages[1].skip_reason, "when: c is false");
  EXPECT_EQ(p.stages[2].status, Status::Skipped);
  EXPECT_EQ(p.stages[2].skip_reason, "");
}

}  // namespace
}  // namespace runner
