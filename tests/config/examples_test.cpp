// The example repositories of the design, planned for the events their
// EXPECT.md lists.
#include <gtest/gtest.h>

#include "events.h"

#include "config/config.h"
#include "test_paths.h"

namespace config {
namespace {

using namespace testing;

std::filesystem::path example(const std::string& name) {
  return testpaths::shared_dir() / "examples" / name;
}

Configuration load_example(const std::string& name) {
  hcl::Diagnostics diags;
  auto cfg = load(example(name), diags);
  EXPECT_TRUE(cfg) << hcl::render(diags);
  EXPECT_TRUE(diags.empty()) << hcl::render(diags);
  return cfg ? std::move(*cfg) : Configuration{};
}

const std::string& first_run(const core::PipelineSpec& p) { return p.stages.at(0).executions.at(0).run; }

TEST(Examples, EveryExampleLintsClean) {
  for (const char* name : {"hello", "matrix", "multi-file", "failing"}) {
    SCOPED_TRACE(name);
    load_example(name);
  }
}

TEST(Examples, HelloRunsOnePipelineWithTwoStages) {
  core::Plan p = plan_for(load_example("hello"), push("main"));
  ASSERT_EQ(names(p), (Names{"hello"}));
  const auto& stages = p.pipelines[0].stages;
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].name, "greet");
  ASSERT_EQ(stages[0].executions.size(), 2u);
  EXPECT_EQ(stages[0].executions[0].name, "english");
  EXPECT_EQ(stages[0].executions[0].run, "echo hello > english.txt");
  EXPECT_EQ(stages[0].executions[1].name, "french");
  ASSERT_EQ(stages[1].executions.size(), 1u);
  EXPECT_EQ(stages[1].executions[0].run, "test -f english.txt\ntest -f french.txt\ncat english.txt french.txt\n");
}

TEST(Examples, MatrixExpandsIntoFourInstancesInAxisOrder) {
  core::Plan p = plan_for(load_example("matrix"), push("main"));
  ASSERT_EQ(names(p), (Names{"test (gcc, debug)", "test (gcc, release)", "test (clang, debug)", "test (clang, release)"}));
  EXPECT_EQ(first_run(p.pipelines[0]), "echo gcc-debug");
  EXPECT_EQ(first_run(p.pipelines[3]), "echo clang-release");
  for (const auto& instance : p.pipelines) EXPECT_EQ(instance.base_name, "test");
  EXPECT_EQ(p.pipelines[2].matrix, (std::map<std::string, std::string>{{"compiler", "clang"}, {"mode", "debug"}}));
}

TEST(Examples, MultiFilePushToMainWithSourceChange) {
  core::Plan p = plan_for(load_example("multi-file"), push("main", {"src/a.txt"}));
  ASSERT_EQ(names(p), (Names{"lint", "build"}));
  EXPECT_EQ(p.pipelines[1].depends_on, (Names{"lint"}));
  const std::string& run = first_run(p.pipelines[1]);
  EXPECT_EQ(run, "mkdir -p $OUT && cat src/*.txt > $OUT/app && echo built main");
  EXPECT_EQ(p.pipelines[1].stages[0].executions[0].env.at("OUT"), "out");
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].name, "release");
}

TEST(Examples, MultiFileReadmeOnlyChangeRunsLintAlone) {
  core::Plan p = plan_for(load_example("multi-file"), push("main", {"src/README.md"}));
  EXPECT_EQ(names(p), (Names{"lint"}));
  ASSERT_EQ(p.skipped.size(), 2u);
  EXPECT_EQ(p.skipped[0].name, "build");
  EXPECT_EQ(p.skipped[0].reason, "no changed path matches paths");
}

TEST(Examples, MultiFileFeatureBranchRunsLintOnly) {
  core::Plan p = plan_for(load_example("multi-file"), push("feature/x"));
  EXPECT_EQ(names(p), (Names{"lint"}));
  EXPECT_EQ(p.skipped[0].reason, "branch \"feature/x\" does not match branches");
}

TEST(Examples, MultiFilePullRequestMatchesTheTargetBranch) {
  core::Event e;
  e.name = "pull_request";
  e.branch = "feature/x";
  e.target_branch = "main";
  core::Plan p = plan_for(load_example("multi-file"), e);
  ASSERT_EQ(names(p), (Names{"lint", "build"}));
  EXPECT_EQ(first_run(p.pipelines[1]), "mkdir -p $OUT && cat src/*.txt > $OUT/app && echo built feature/x");
}

TEST(Examples, MultiFileReleaseTag) {
  core::Plan p = plan_for(load_example("multi-file"), tag("v1.2.0"));
  ASSERT_EQ(names(p), (Names{"release"}));
  EXPECT_EQ(first_run(p.pipelines[0]), "echo releasing V1.2.0");
}

TEST(Examples, MultiFileReleaseCandidateRunsNothing) {
  core::Plan p = plan_for(load_example("multi-file"), tag("v1.3.0-rc1"));
  EXPECT_TRUE(p.pipelines.empty());
  ASSERT_EQ(p.skipped.size(), 3u);
  EXPECT_EQ(p.skipped[2].reason, "tag \"v1.3.0-rc1\" does not match tags");
}

TEST(Examples, FailingKeepsDependencyAndTimeouts) {
  core::Plan p = plan_for(load_example("failing"), push("main"));
  ASSERT_EQ(names(p), (Names{"first", "second", "slow"}));
  EXPECT_EQ(p.pipelines[1].depends_on, (Names{"first"}));
  const auto& first_stage = p.pipelines[0].stages[0];
  EXPECT_TRUE(first_stage.executions[0].allow_failure);
  EXPECT_FALSE(first_stage.executions[1].allow_failure);
  EXPECT_EQ(p.pipelines[2].stages[0].executions[0].timeout, std::chrono::seconds(1));
  EXPECT_EQ(p.pipelines[0].stages[1].executions[0].run, "echo about to fail; exit 7");
}

}  // namespace
}  // namespace config
