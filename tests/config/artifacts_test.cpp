// artifacts, artifacts_when and needs_artifacts: what they plan to, and every
// error they can have, with its place.
#include <gtest/gtest.h>

#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// build/compile keeps dist/, test/unit keeps reports; `deploy` needs `needs`.
std::string build_test_deploy(const std::string& needs, const std::string& extra = "") {
  return "pipeline \"p\" {\n"
         "  stage \"build\" {\n"
         "    exec \"compile\" {\n"
         "      run       = \"make\"\n"
         "      artifacts = [\"dist/**\", \"!dist/*.tmp\"]\n"
         "    }\n"
         "    exec \"lint\" { run = \"true\" }\n"
         "  }\n"
         "  stage \"test\" {\n"
         "    exec \"unit\" {\n"
         "      run            = \"make test\"\n"
         "      artifacts      = [\"reports/*.xml\"]\n"
         "      artifacts_when = \"always\"\n"
         "    }\n" +
         extra +
         "  }\n"
         "  stage \"deploy\" {\n"
         "    exec \"ship\" {\n"
         "      run             = \"true\"\n"
         "      needs_artifacts = " +
         needs +
         "\n"
         "    }\n"
         "  }\n"
         "}\n";
}

TEST(Artifacts, PlanHoldsPatternsWhenAndResolvedSources) {
  const core::Plan plan = must_plan(build_test_deploy("[\"compile\", \"test/unit\"]"));
  ASSERT_EQ(plan.pipelines.size(), 1u);
  const auto& stages = plan.pipelines[0].stages;
  const core::ExecutionSpec& compile = stages[0].executions[0];
  EXPECT_EQ(compile.artifacts, (std::vector<std::string>{"dist/**", "!dist/*.tmp"}));
  EXPECT_EQ(compile.artifacts_when, core::ArtifactsWhen::Success);
  EXPECT_TRUE(stages[0].executions[1].artifacts.empty());
  EXPECT_EQ(stages[1].executions[0].artifacts_when, core::ArtifactsWhen::Always);
  EXPECT_EQ(stages[2].executions[0].needs_artifacts,
            (std::vector<core::ArtifactSource>{{0, 0, 0, "build/compile"}, {0, 1, 0, "test/unit"}}));
}

TEST(Artifacts, WhenParsesItsThreeValues) {
  for (auto when : {core::ArtifactsWhen::Success, core::ArtifactsWhen::Failure, core::ArtifactsWhen::Always})
    EXPECT_EQ(core::parse_artifacts_when(core::to_string(when)), when);
  EXPECT_FALSE(core::parse_artifacts_when("Always"));
  EXPECT_FALSE(core::parse_artifacts_when(""));
}

// A matrix pipeline's executions receive their own instance's artifacts, and
// the sources point at the instance where the plan placed it.
TEST(Artifacts, InAMatrixTheNameMeansTheSameInstancesExecution) {
  const core::Plan plan = must_plan(
      "pipeline \"lint\" {\n  stage \"l\" {\n    exec \"l\" { run = \"true\" }\n  }\n}\n"
      "pipeline \"p\" {\n"
      "  depends_on = [\"lint\"]\n"
      "  matrix { os = [\"debian\", \"alpine\"] }\n"
      "  stage \"build\" {\n    exec \"compile\" {\n      run = \"make\"\n"
      "      artifacts = [\"dist-${matrix.os}/**\"]\n    }\n  }\n"
      "  stage \"deploy\" {\n    exec \"ship\" {\n      run = \"true\"\n"
      "      needs_artifacts = [\"compile\"]\n    }\n  }\n"
      "}\n");
  ASSERT_EQ(names(plan), (Names{"lint", "p (debian)", "p (alpine)"}));
  for (size_t p = 1; p < 3; ++p)
    EXPECT_EQ(plan.pipelines[p].stages[1].executions[0].needs_artifacts,
              (std::vector<core::ArtifactSource>{{p, 0, 0, "build/compile"}}));
  EXPECT_EQ(plan.pipelines[2].stages[0].executions[0].artifacts, (std::vector<std::string>{"dist-alpine/**"}));
}

TEST(Artifacts, UnknownNameSuggestsTheClosest) {
  const std::string errors = errors_of(build_test_deploy("[\"compile\", \"complie\"]"));
  EXPECT_CONTAINS(errors, "ci.hcl:19:37: error: needs_artifacts: no execution \"complie\" in pipeline \"p\"");
  EXPECT_CONTAINS(errors, "Did you mean \"compile\"?");
}

TEST(Artifacts, OnlyEarlierStagesCount) {
  std::string errors = errors_of(build_test_deploy("[\"ship\"]"));
  EXPECT_CONTAINS(errors, "ci.hcl:19:26: error: needs_artifacts: \"deploy/ship\" is not of an earlier stage");
  EXPECT_CONTAINS(errors, "the same stage as this execution");
  errors = errors_of(
      "pipeline \"p\" {\n"
      "  stage \"a\" {\n    exec \"x\" {\n      run = \"true\"\n      needs_artifacts = [\"y\"]\n    }\n  }\n"
      "  stage \"b\" {\n    exec \"y\" {\n      run = \"true\"\n      artifacts = [\"out\"]\n    }\n  }\n"
      "}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:5:26: error: needs_artifacts: \"b/y\" is not of an earlier stage");
  EXPECT_CONTAINS(errors, "It runs in stage \"b\", after the stage of this execution (\"a\")");
}

TEST(Artifacts, TheSourceMustKeepArtifacts) {
  const std::string errors = errors_of(build_test_deploy("[\"lint\"]"));
  EXPECT_CONTAINS(errors, "ci.hcl:19:26: error: needs_artifacts: \"build/lint\" keeps no artifacts");
}

TEST(Artifacts, ANameInTwoEarlierStagesNeedsItsStage) {
  const std::string extra = "    exec \"compile\" {\n      run = \"true\"\n      artifacts = [\"x\"]\n    }\n";
  std::string errors = errors_of(build_test_deploy("[\"compile\"]", extra));
  EXPECT_CONTAINS(errors, "ci.hcl:23:26: error: needs_artifacts: \"compile\" names an execution of 2 earlier stages");
  EXPECT_CONTAINS(errors, "Say which, as stage/exec: \"build/compile\" and \"test/compile\".");
  const core::Plan plan = must_plan(build_test_deploy("[\"test/compile\"]", extra));
  EXPECT_EQ(plan.pipelines[0].stages[2].executions[0].needs_artifacts,
            (std::vector<core::ArtifactSource>{{0, 1, 1, "test/compile"}}));
}

TEST(Artifacts, WhenTakesThreeValuesAndNeedsArtifacts) {
  std::string errors = errors_of(
      "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"true\"\n"
      "      artifacts = [\"x\"]\n      artifacts_when = \"allways\"\n    }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:6:24: error: Unknown artifacts_when \"allways\"");
  EXPECT_CONTAINS(errors, "Did you mean \"always\"?");
  errors = errors_of("pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"true\"\n"
                     "      artifacts_when = \"failure\"\n    }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:5:24: error: artifacts_when without artifacts");
}

TEST(Artifacts, PatternsStayInTheWorkspace) {
  for (const auto& [pattern, problem] : std::vector<std::pair<std::string, std::string>>{
           {"/etc/**", "is absolute"},
           {"!../x", "has a \"..\" component"},
           {"dist/../../x", "has a \"..\" component"},
           {"~/.npm/**", "starts with ~"},
           {"dist/[a-", "is not a glob"},
           {"!", "is empty"}}) {
    const std::string errors = errors_of("pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"true\"\n"
                                         "      artifacts = [\"dist/**\", \"" + pattern + "\"]\n    }\n  }\n}\n");
    EXPECT_CONTAINS(errors, "ci.hcl:5:31: error: Artifact pattern \"" + pattern + "\" " + problem);
  }
}

}  // namespace
}  // namespace config
