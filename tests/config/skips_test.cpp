// What a plan leaves out and why: a matrix's exclude and include lists (the
// instances planned, the combinations skipped with their reasons) and
// `when` on stages and executions; every error at its place.
#include <gtest/gtest.h>

#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// A pipeline "test" whose matrix block holds `matrix_body`, after the axes
// compiler = ["gcc", "clang"] and build = ["debug", "release"] (line 5 is
// the first of `matrix_body`).
std::string test_pipeline(const std::string& matrix_body, const std::string& extra = "") {
  return "pipeline \"test\" {\n" + extra +
         "  matrix {\n"
         "    compiler = [\"gcc\", \"clang\"]\n"
         "    build    = [\"debug\", \"release\"]\n" +
         matrix_body +
         "  }\n"
         "  stage \"s\" {\n"
         "    exec \"e\" { run = \"make CC=${matrix.compiler} MODE=${matrix.build}\" }\n"
         "  }\n"
         "}\n";
}

core::Plan plan_of(const std::string& text, const core::Event& event = push("main")) {
  std::string errors;
  auto cfg = load_files({{"ci.hcl", text}}, errors);
  if (!cfg) ADD_FAILURE() << errors;
  return cfg ? plan_for(*cfg, event) : core::Plan{};
}

TEST(MatrixLists, ExcludeLeavesOutWhatItMatchesAndIncludeAddsACombination) {
  core::Plan p = plan_of(test_pipeline("    exclude = [{ compiler = \"clang\", build = \"debug\" }]\n"
                                       "    include = [{ compiler = \"icc\", build = \"release\" }]\n"));
  EXPECT_EQ(names(p),
            (Names{"test (gcc, debug)", "test (gcc, release)", "test (clang, release)", "test (icc, release)"}));
  EXPECT_EQ(p.pipelines[3].matrix, (std::map<std::string, std::string>{{"compiler", "icc"}, {"build", "release"}}));
  EXPECT_EQ(p.pipelines[3].stages[0].executions[0].run, "make CC=icc MODE=release");
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].name, "test (clang, debug)");
  EXPECT_EQ(p.skipped[0].reason, "excluded by { compiler = \"clang\", build = \"debug\" }");
}

TEST(MatrixLists, AnEntryNamingSomeAxesMatchesEveryCombinationWithThoseValues) {
  core::Plan p = plan_of(test_pipeline("    exclude = [{ build = \"debug\" }]\n"));
  EXPECT_EQ(names(p), (Names{"test (gcc, release)", "test (clang, release)"}));
  ASSERT_EQ(p.skipped.size(), 2u);
  EXPECT_EQ(p.skipped[0].name, "test (gcc, debug)");
  EXPECT_EQ(p.skipped[1].reason, "excluded by { build = \"debug\" }");
}

TEST(MatrixLists, IncludeBringsBackACombinationExcludeLeftOut) {
  core::Plan p = plan_of(test_pipeline("    exclude = [{ compiler = \"clang\" }]\n"
                                       "    include = [{ build = \"release\", compiler = \"clang\" }]\n"));
  EXPECT_EQ(names(p), (Names{"test (gcc, debug)", "test (gcc, release)", "test (clang, release)"}));
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].name, "test (clang, debug)");
}

TEST(MatrixLists, ValuesMatchByTheirTextAndIncludedOnesKeepTheirType) {
  core::Plan p = plan_of(
      "locals {\n  old = [{ std = \"17\" }]\n}\n"
      "pipeline \"n\" {\n  matrix {\n    std = [17, 20]\n    exclude = local.old\n    include = [{ std = 23 }]\n  }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"${matrix.std >= 23 ? \"new\" : \"old\"} c++${matrix.std}\" }\n"
      "  }\n}\n");
  EXPECT_EQ(names(p), (Names{"n (20)", "n (23)"}));
  EXPECT_EQ(p.pipelines[1].stages[0].executions[0].run, "new c++23");
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].reason, "excluded by { std = \"17\" }");
}

TEST(MatrixLists, APipelineTheFilterLeavesOutListsNoCombination) {
  core::Plan p = plan_of(
      test_pipeline("    exclude = [{ compiler = \"clang\" }]\n", "  filter {\n    events = [\"tag\"]\n  }\n"));
  EXPECT_TRUE(p.pipelines.empty());
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].name, "test");
}

TEST(MatrixLists, DependantsWaitForTheInstancesThatRun) {
  core::Plan p = plan_of(test_pipeline("    exclude = [{ compiler = \"clang\" }]\n") +
                         "pipeline \"report\" {\n  depends_on = [\"test\"]\n"
                         "  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n");
  ASSERT_EQ(p.pipelines.size(), 3u);
  EXPECT_EQ(p.pipelines[2].depends_on, (Names{"test (gcc, debug)", "test (gcc, release)"}));
}

TEST(MatrixLists, ExcludeNamingAnUnknownAxisOrValue) {
  std::string errors = errors_of(test_pipeline("    exclude = [{ compiler = \"clang\", buld = \"debug\" },\n"
                                               "               { compiler = \"clnag\" }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:38: error: Unknown matrix axis \"buld\" in exclude");
  EXPECT_CONTAINS(errors, "The axes of pipeline \"test\" are compiler and build. Did you mean \"build\"?");
  EXPECT_CONTAINS(errors, "ci.hcl:6:29: error: Matrix axis \"compiler\" has no value \"clnag\"");
  EXPECT_CONTAINS(errors, "Axis compiler takes \"gcc\" and \"clang\"; exclude leaves out combinations of those "
                          "values only. Did you mean \"clang\"?");
}

TEST(MatrixLists, ExcludeThatRemovesEverything) {
  std::string errors = errors_of(test_pipeline("    exclude = [{ build = \"debug\" }, { build = \"release\" }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:15: error: exclude leaves pipeline \"test\" no combination");
  EXPECT_CONTAINS(errors, "remove an entry, or the axis values no instance should have.");
  EXPECT_CONTAINS(errors_of(test_pipeline("    exclude = [{}]\n")), "ci.hcl:5:15: error: exclude leaves pipeline");
}

TEST(MatrixLists, IncludeWithoutEveryAxisOrWithAnUnknownOne) {
  std::string errors = errors_of(
      test_pipeline("    include = [{ compiler = \"icc\" },\n"
                    "               { compiler = \"icc\", build = \"size\", arch = \"arm\" }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:16: error: Missing matrix axis build in include");
  EXPECT_CONTAINS(errors, "An include entry is a whole combination: give each axis (compiler and build) a value.");
  EXPECT_CONTAINS(errors, "ci.hcl:6:52: error: Unknown matrix axis \"arch\" in include");
}

TEST(MatrixLists, IncludeRepeatingACombination) {
  std::string errors = errors_of(test_pipeline("    include = [{ compiler = \"gcc\", build = \"debug\" }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:16: error: include repeats a combination of the matrix");
  EXPECT_CONTAINS(errors, "{ compiler = \"gcc\", build = \"debug\" } is already an instance of pipeline \"test\"");
}

TEST(MatrixLists, ListsOfTheWrongShape) {
  std::string errors = errors_of(test_pipeline("    exclude = { compiler = \"clang\" }\n"
                                               "    include = [\"icc\", { compiler = \"icc\", build = [1] }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:15: error: exclude must be a list of objects");
  EXPECT_CONTAINS(errors, "write e.g. exclude = [{ compiler = \"clang\", build = \"debug\" }].");
  EXPECT_CONTAINS(errors, "ci.hcl:6:16: error: Element of include must be an object");
}

TEST(MatrixLists, ValueWithoutATextForm) {
  std::string errors = errors_of(test_pipeline("    include = [{ compiler = \"icc\", build = [1] }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:44: error: Value of matrix axis \"build\" must be a string, number or bool");
}

TEST(MatrixLists, ListsCannotUseMatrix) {
  std::string errors = errors_of(test_pipeline("    exclude = [{ compiler = matrix.build }]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:29: error: matrix.build is not available here");
}

TEST(MatrixLists, IncludeCountsTowardsTheLimitOfInstances) {
  std::string includes;
  for (int i = 0; i < 253; ++i) includes += "{ compiler = \"c" + std::to_string(i) + "\", build = \"debug\" }, ";
  std::string errors = errors_of(test_pipeline("    include = [" + includes + "]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:15: error: Matrix of pipeline \"test\" is too large");
}

// A pipeline "p" with the stages given, after `extra` (line 2 on).
std::string with_stages(const std::string& stages, const std::string& extra = "") {
  return "pipeline \"p\" {\n" + extra + stages + "}\n";
}

TEST(When, AFalseConditionSkipsTheExecutionWithTheConditionAsWritten) {
  core::Plan p = plan_of(with_stages(
      "  stage \"s\" {\n"
      "    exec \"always\" { run = \"true\" }\n"
      "    exec \"main\" {\n      run  = \"deploy\"\n      when = (event.branch   ==\n        \"main\")\n    }\n"
      "  }\n"), push("feature/x"));
  const auto& stage = p.pipelines.at(0).stages.at(0);
  EXPECT_EQ(stage.skip_reason, "");
  EXPECT_EQ(stage.executions[0].skip_reason, "");
  EXPECT_EQ(stage.executions[1].skip_reason, "when: (event.branch == \"main\") is false");
  EXPECT_EQ(plan_of(with_stages("  stage \"s\" {\n    exec \"e\" {\n      run = \"x\"\n"
                                "      when = event.branch == \"main\"\n    }\n  }\n"))
                .pipelines.at(0).stages.at(0).executions.at(0).skip_reason,
            "");
}

TEST(When, AFalseStageSkipsItsExecutionsAndAStageOfSkippedExecutionsIsSkipped) {
  core::Plan p = plan_of(with_stages(
      "  stage \"release\" {\n    when = event.tag != \"\"\n"
      "    exec \"a\" { run = \"x\" }\n"
      "    exec \"b\" {\n      run = \"y\"\n      when = false\n    }\n  }\n"
      "  stage \"docs\" {\n    exec \"pdf\" {\n      run = \"z\"\n"
      "      when = contains(event.changed_paths, \"doc.md\")\n    }\n  }\n"
      "  stage \"test\" {\n    when = true\n    exec \"unit\" { run = \"t\" }\n  }\n"));
  const auto& stages = p.pipelines.at(0).stages;
  EXPECT_EQ(stages[0].skip_reason, "when: event.tag != \"\" is false");
  EXPECT_EQ(stages[0].executions[0].skip_reason, "when: event.tag != \"\" is false");
  EXPECT_EQ(stages[0].executions[1].skip_reason, "when: false is false");
  EXPECT_EQ(stages[1].skip_reason, "every execution is skipped");
  EXPECT_EQ(stages[1].executions[0].skip_reason, "when: contains(event.changed_paths, \"doc.md\") is false");
  EXPECT_EQ(stages[2].skip_reason, "");
}

TEST(When, MatrixValuesDecidePerInstance) {
  core::Plan p = plan_of(with_stages(
      "  stage \"s\" {\n    exec \"e\" {\n      run = \"x\"\n"
      "      when = matrix.os == \"linux\" && var.deploy\n    }\n  }\n",
      "  matrix {\n    os = [\"linux\", \"mac\"]\n  }\n") +
      "variable \"deploy\" {\n  default = true\n}\n");
  ASSERT_EQ(names(p), (Names{"p (linux)", "p (mac)"}));
  EXPECT_EQ(p.pipelines[0].stages[0].skip_reason, "");
  EXPECT_EQ(p.pipelines[1].stages[0].executions[0].skip_reason, "when: matrix.os == \"linux\" && var.deploy is false");
  EXPECT_EQ(p.pipelines[1].stages[0].skip_reason, "every execution is skipped");
}

TEST(When, ALongConditionIsCutInTheReason) {
  std::string condition = "event.branch == \"" + std::string(300, 'x') + "\"";
  core::Plan p =
      plan_of(with_stages("  stage \"s\" {\n    when = " + condition + "\n    exec \"e\" { run = \"x\" }\n  }\n"));
  const std::string& reason = p.pipelines.at(0).stages.at(0).skip_reason;
  EXPECT_EQ(reason, "when: " + condition.substr(0, 200) + "… is false");
}

TEST(When, ConditionsThatAreNotBoolAreErrorsAtTheirPlace) {
  std::string errors = errors_of(with_stages(
      "  stage \"s\" {\n    when = \"yes\"\n"
      "    exec \"e\" {\n      run  = \"x\"\n      when = [event.branch]\n    }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:12: error: when must be true or false");
  EXPECT_CONTAINS(errors, "It is the string \"yes\".");
  EXPECT_CONTAINS(errors, "ci.hcl:6:14: error: when must be true or false");
  EXPECT_CONTAINS(errors, "It is a value of type tuple.");
}

TEST(When, ReferencesAreChecked) {
  std::string errors = errors_of(with_stages(
      "  stage \"s\" {\n    when = event.brnch == \"main\"\n    exec \"e\" {\n      run  = \"x\"\n"
      "      when = matrix.os == \"linux\"\n    }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:12: error: Unknown event field \"brnch\"");
  EXPECT_CONTAINS(errors, "ci.hcl:6:14: error: matrix.os is not available here");
}

TEST(When, AConditionThatFailsForThisEventSkipsThePipelineWithTheError) {
  std::string errors;
  const std::string stages =
      "  stage \"s\" {\n    when = regex(\"^v([0-9]+)\", event.tag) != \"\"\n    exec \"e\" { run = \"x\" }\n  }\n";
  auto loaded = load_files({{"ci.hcl", with_stages(stages)}}, errors);
  ASSERT_TRUE(loaded) << errors;
  core::Plan p = plan_for(*loaded, tag("release-1"), &errors);
  EXPECT_TRUE(p.pipelines.empty());
  EXPECT_CONTAINS(errors, "ci.hcl:3:12: error:");
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].reason, "its configuration has errors for this event");
}

}  // namespace
}  // namespace config
