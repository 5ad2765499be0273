// Planning: selection, matrix expansion, dependencies, evaluation.
#include <gtest/gtest.h>

#include "events.h"

#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

Configuration must_load(const std::string& text) {
  std::string errors;
  auto cfg = load_files({{"ci.hcl", text}}, errors);
  EXPECT_TRUE(cfg) << errors;
  return cfg ? std::move(*cfg) : Configuration{};
}

std::string pipeline(const std::string& name, const std::string& extra, const std::string& run = "true") {
  return "pipeline \"" + name + "\" {\n" + extra + "\n  stage \"s\" {\n    exec \"e\" { run = \"" + run + "\" }\n  }\n}\n";
}

TEST(Plan, PipelineEnvMergesIntoExecutionEnvAndExecutionWins) {
  Configuration cfg = must_load(
      "pipeline \"p\" {\n  env = { A = \"pipeline\", B = \"pipeline\" }\n  timeout = \"30m\"\n"
      "  stage \"s\" {\n"
      "    exec \"e\" {\n      run = \"x\"\n      env = { B = \"exec\", C = 3 }\n    }\n"
      "    exec \"f\" {\n      run = \"y\"\n      timeout = \"90s\"\n      retry = 2\n    }\n"
      "  }\n}\n");
  core::Plan p = plan_for(cfg, push("main"));
  ASSERT_EQ(p.pipelines.size(), 1u);
  const auto& execs = p.pipelines[0].stages[0].executions;
  EXPECT_EQ(execs[0].env, (core::Env{{"A", "pipeline"}, {"B", "exec"}, {"C", "3"}}));
  EXPECT_EQ(execs[1].env, (core::Env{{"A", "pipeline"}, {"B", "pipeline"}}));
  EXPECT_EQ(p.pipelines[0].timeout, std::chrono::minutes(30));
  EXPECT_EQ(execs[0].timeout, std::chrono::minutes(30));
  EXPECT_EQ(execs[1].timeout, std::chrono::seconds(90));
  EXPECT_EQ(execs[1].retry, 2);
  EXPECT_EQ(execs[0].retry, 0);
}

TEST(Plan, WorkspaceIsIsolatedUnlessShared) {
  Configuration cfg = must_load(pipeline("own", "") + pipeline("isolated", "  workspace = \"isolated\"") +
                                pipeline("shared", "  matrix {\n    n = [1, 2]\n  }\n  workspace = \"shared\""));
  core::Plan p = plan_for(cfg, push("main"));
  ASSERT_EQ(p.pipelines.size(), 4u);
  EXPECT_FALSE(p.pipelines[0].shared_workspace);
  EXPECT_FALSE(p.pipelines[1].shared_workspace);
  EXPECT_TRUE(p.pipelines[2].shared_workspace);
  EXPECT_TRUE(p.pipelines[3].shared_workspace);
}

TEST(Plan, NoTimeoutMeansZero) {
  core::Plan p = plan_for(must_load(pipeline("p", "")), push("main"));
  EXPECT_EQ(p.pipelines.at(0).timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(p.pipelines.at(0).stages.at(0).executions.at(0).timeout, std::chrono::milliseconds(0));
}

TEST(Plan, DependingOnAMatrixPipelineMeansAllItsInstances) {
  Configuration cfg = must_load(pipeline("report", "  depends_on = [\"test\"]") +
                                pipeline("test", "  matrix {\n    os = [\"linux\", \"mac\"]\n    n = [1, 2]\n  }"));
  core::Plan p = plan_for(cfg, push("main"));
  ASSERT_EQ(names(p), (Names{"test (linux, 1)", "test (linux, 2)", "test (mac, 1)", "test (mac, 2)", "report"}));
  EXPECT_EQ(p.pipelines[4].depends_on, (Names{"test (linux, 1)", "test (linux, 2)", "test (mac, 1)", "test (mac, 2)"}));
  EXPECT_EQ(p.pipelines[1].matrix.at("n"), "2");
}

TEST(Plan, DependantOfAPipelineTheEventDoesNotTriggerIsSkipped) {
  Configuration cfg = must_load(
      pipeline("deploy", "  depends_on = [\"test\"]") +
      pipeline("test", "  filter {\n    paths = [\"src/**\"]\n  }") +
      pipeline("docs", ""));
  core::Event e = push("main");
  e.changed_paths = {"README.md"};
  core::Plan p = plan_for(cfg, e);
  EXPECT_EQ(names(p), (Names{"docs"}));
  ASSERT_EQ(p.skipped.size(), 2u);
  EXPECT_EQ(p.skipped[0].name, "deploy");
  EXPECT_EQ(p.skipped[0].reason, "it depends on \"test\", which does not run (no changed path matches paths)");
  EXPECT_EQ(p.skipped[1].name, "test");
}

TEST(Plan, SkippingIsTransitive) {
  Configuration cfg = must_load(pipeline("c", "  depends_on = [\"b\"]") + pipeline("b", "  depends_on = [\"a\"]") +
                                pipeline("a", "  filter {\n    events = [\"tag\"]\n  }"));
  core::Plan p = plan_for(cfg, push("main"));
  EXPECT_TRUE(p.pipelines.empty());
  EXPECT_EQ(p.skipped.size(), 3u);
}

TEST(Plan, DependenciesComeFirstOtherwiseConfigurationOrder) {
  Configuration cfg = must_load(pipeline("z", "  depends_on = [\"y\"]") + pipeline("y", "  depends_on = [\"x\"]") +
                                pipeline("w", "") + pipeline("x", ""));
  EXPECT_EQ(names(plan_for(cfg, push("main"))), (Names{"w", "x", "y", "z"}));
}

TEST(Plan, LocalsInAnyOrderSeeVariablesEventAndRepo) {
  Configuration cfg = must_load(
      "locals {\n  message = \"${local.prefix} ${event.branch} of ${repo.owner}/${repo.name}\"\n"
      "  prefix = upper(var.word)\n}\n"
      "variable \"word\" {\n  default = \"built\"\n  description = \"what we did\"\n}\n" +
      pipeline("p", "", "echo ${local.message} at ${event.sha}"));
  core::Plan p = plan_for(cfg, push("main"));
  EXPECT_EQ(p.pipelines.at(0).stages[0].executions[0].run, "echo BUILT main of acme/widgets at 0123abcd");
}

TEST(Plan, DependsOnMayBeAnExpression) {
  Configuration cfg = must_load("locals {\n  services = [\"a\", \"b\"]\n}\n" + pipeline("all", "  depends_on = local.services") +
                                pipeline("a", "") + pipeline("b", ""));
  core::Plan p = plan_for(cfg, push("main"));
  ASSERT_EQ(names(p), (Names{"a", "b", "all"}));
  EXPECT_EQ(p.pipelines[2].depends_on, (Names{"a", "b"}));
}

TEST(Plan, MatrixValuesKeepTheirTypeInExpressions) {
  Configuration cfg = must_load(
      "pipeline \"n\" {\n  matrix {\n    std = [17, 23]\n  }\n"
      "  timeout = matrix.std >= 23 ? \"90m\" : \"30m\"\n"
      "  env = { NEW = matrix.std > 17 }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"c++${matrix.std}\" }\n  }\n}\n");
  core::Plan p = plan_for(cfg, push("main"));
  ASSERT_EQ(names(p), (Names{"n (17)", "n (23)"}));
  EXPECT_EQ(p.pipelines[0].timeout, std::chrono::minutes(30));
  EXPECT_EQ(p.pipelines[1].timeout, std::chrono::minutes(90));
  EXPECT_EQ(p.pipelines[1].stages[0].executions[0].env.at("NEW"), "true");
  EXPECT_EQ(p.pipelines[0].stages[0].executions[0].run, "c++17");
}

TEST(Plan, ImageAndAllowFailure) {
  Configuration cfg = must_load(
      "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"x\"\n      image = \"gcc:13\"\n"
      "      allow_failure = true\n    }\n  }\n}\n");
  core::Plan p = plan_for(cfg, push("main"));
  const auto& exec = p.pipelines.at(0).stages[0].executions[0];
  EXPECT_EQ(exec.image, "gcc:13");
  EXPECT_TRUE(exec.allow_failure);
}

TEST(Plan, AnErrorOnlyThisEventRevealsSkipsThePipelineAndItsDependants) {
  Configuration cfg = must_load(pipeline("p", "", "${[\"ok\"][event.branch == \"boom\" ? 1 : 0]}") +
                                pipeline("q", "  depends_on = [\"p\"]") + pipeline("r", ""));
  EXPECT_EQ(names(plan_for(cfg, push("main"))), (Names{"p", "q", "r"}));
  std::string errors;
  core::Plan p = plan_for(cfg, push("boom"), &errors);
  EXPECT_EQ(names(p), (Names{"r"}));
  EXPECT_NE(errors.find("ci.hcl:4:"), std::string::npos) << errors;
  ASSERT_EQ(p.skipped.size(), 2u);
  EXPECT_EQ(p.skipped[0].reason, "its configuration has errors for this event");
}

TEST(Plan, ManualEventsUseTheBranchFilter) {
  Configuration cfg = must_load(pipeline("p", "  filter {\n    events = [\"manual\"]\n    branches = [\"main\"]\n  }"));
  core::Event e = push("main");
  e.name = "manual";
  EXPECT_EQ(names(plan_for(cfg, e)), (Names{"p"}));
  e.branch = "dev";
  EXPECT_TRUE(plan_for(cfg, e).pipelines.empty());
}

TEST(Plan, TheGateIsEvaluatedPerInstance) {
  Configuration cfg = must_load(pipeline("deploy",
                                         "  matrix {\n    region = [\"eu\", \"us\"]\n  }\n"
                                         "  concurrency = \"deploy-${event.branch}-${matrix.region}\"\n"
                                         "  cancel_in_progress = true\n  environment = \"prod-${matrix.region}\""));
  core::Plan p = plan_for(cfg, push("main"));
  ASSERT_EQ(p.pipelines.size(), 2u);
  EXPECT_EQ(p.pipelines[0].concurrency, "deploy-main-eu");
  EXPECT_EQ(p.pipelines[1].environment, "prod-us");
  EXPECT_TRUE(p.pipelines[1].cancel_in_progress);
  EXPECT_TRUE(p.pipelines[0].gated());
}

}  // namespace
}  // namespace config
