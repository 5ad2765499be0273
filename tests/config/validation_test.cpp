// Every validation error: its message and its exact place.
#include <gtest/gtest.h>

#include "temp_repo.h"

namespace config {
namespace {

using testing::errors_of;
using testing::load_files;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// A pipeline around one execution body, so each test shows only what matters.
std::string with_exec(const std::string& exec_body) {
  return "pipeline \"p\" {\n"
         "  stage \"s\" {\n"
         "    exec \"e\" {\n" +
         exec_body +
         "    }\n"
         "  }\n"
         "}\n";
}

TEST(Validation, UnknownAttributeSuggestsTheClosestName) {
  std::string errors = errors_of(with_exec("      run   = \"true\"\n      retyr = 1\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:7: error: Unknown attribute \"retyr\" in an exec block");
  EXPECT_CONTAINS(errors, "Did you mean \"retry\"?");
  EXPECT_EQ(count(errors, "error:"), 1u);
}

TEST(Validation, UnknownBlockSuggestsTheClosestName) {
  std::string errors = errors_of("pipeline \"p\" {\n  stag \"s\" {\n  }\n  stage \"t\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:2:3: error: Unknown block \"stag\" in a pipeline block");
  EXPECT_CONTAINS(errors, "Did you mean \"stage\"?");
}

TEST(Validation, UnknownTopLevelBlock) {
  std::string errors = errors_of("pipelin \"p\" {\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:1:1: error: Unknown block \"pipelin\" in the top level");
  EXPECT_CONTAINS(errors, "Did you mean \"pipeline\"?");
}

TEST(Validation, BlockWrittenAsAttribute) {
  std::string errors = errors_of("pipeline \"p\" {\n  filter = { events = [\"push\"] }\n  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:2:3: error: \"filter\" is a block, not an attribute");
}

TEST(Validation, RetryOfTheWrongType) {
  std::string errors = errors_of(with_exec("      run   = \"true\"\n      retry = \"two\"\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:15: error: retry must be a whole number from 0 to 100");
  EXPECT_CONTAINS(errors, "It is the string \"two\".");
}

TEST(Validation, AllowFailureOfTheWrongType) {
  std::string errors = errors_of(with_exec("      run           = \"true\"\n      allow_failure = 3\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:23: error: allow_failure must be true or false");
}

TEST(Validation, UnknownWorkspaceNamesBothModes) {
  std::string errors = errors_of("pipeline \"p\" {\n  workspace = \"share\"\n  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:2:15: error: Unknown workspace \"share\"");
  EXPECT_CONTAINS(errors, "workspace is \"isolated\" (the default");
  EXPECT_CONTAINS(errors, "Did you mean \"shared\"?");
  EXPECT_EQ(count(errors, "error:"), 1u);
}

std::string with_filter(const std::string& filter_body) {
  return "pipeline \"p\" {\n  filter {\n" + filter_body + "  }\n  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n";
}

TEST(Validation, EventsMustBeAList) {
  std::string errors = errors_of(with_filter("    events = \"push\"\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:14: error: events must be a list of strings");
  EXPECT_CONTAINS(errors, "[\"push\"]");
}

TEST(Validation, UnknownEventNameAtItsElement) {
  std::string errors = errors_of(with_filter("    events = [\"push\", \"pull-request\"]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:23: error: Unknown event \"pull-request\"");
  EXPECT_CONTAINS(errors, "Did you mean \"pull_request\"?");
}

TEST(Validation, InvalidGlobPattern) {
  std::string errors = errors_of(with_filter("    branches = [\"main\", \"rel[ease\"]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:25: error: Invalid pattern in branches");
  EXPECT_CONTAINS(errors, "never closed");
}

TEST(Validation, MissingRun) {
  std::string errors = errors_of(with_exec("      image = \"gcc:13\"\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:10: error: Missing \"run\" in exec \"e\"");
}

TEST(Validation, DuplicatePipelinesAcrossFilesNameBothPlaces) {
  std::string pipeline = "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n";
  std::string errors;
  EXPECT_FALSE(load_files({{"a.hcl", pipeline}, {"b.hcl", "\n" + pipeline}}, errors));
  EXPECT_CONTAINS(errors, "b.hcl:2:10: error: Duplicate pipeline \"p\"");
  EXPECT_CONTAINS(errors, "already defined at ");
  EXPECT_CONTAINS(errors, "a.hcl:1:10");
}

TEST(Validation, DuplicateStagesExecsVariablesAndLocals) {
  std::string errors = errors_of(
      "variable \"v\" {}\n"
      "variable \"v\" {}\n"
      "locals {\n  x = 1\n}\n"
      "locals {\n  x = 2\n}\n"
      "pipeline \"p\" {\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n    exec \"e\" { run = \"y\" }\n  }\n"
      "  stage \"s\" {\n    exec \"f\" { run = \"x\" }\n  }\n"
      "}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:2:10: error: Duplicate variable \"v\"");
  EXPECT_CONTAINS(errors, "ci.hcl:7:3: error: Duplicate local \"x\"");
  EXPECT_CONTAINS(errors, "ci.hcl:12:10: error: Duplicate exec \"e\" in stage \"s\"");
  EXPECT_CONTAINS(errors, "ci.hcl:14:9: error: Duplicate stage \"s\" in pipeline \"p\"");
  EXPECT_CONTAINS(errors, "ci.hcl:1:10");
  EXPECT_CONTAINS(errors, "An exec \"e\" is already defined at");
  EXPECT_CONTAINS(errors, "A stage \"s\" is already defined at");
  EXPECT_EQ(count(errors, "A exec"), 0u) << errors;
}

// A duplicate exec or stage is one error; the errors inside it are their own.
TEST(Validation, ADuplicateDoesNotHideTheErrorsInsideIt) {
  std::string errors = errors_of(
      "pipeline \"p\" {\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n    exec \"e\" { run = \"${var.nope}\" }\n  }\n"
      "  stage \"s\" {\n    exec \"f\" { run = \"${local.zz}\" }\n  }\n"
      "}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:4:10: error: Duplicate exec \"e\" in stage \"s\"");
  EXPECT_CONTAINS(errors, "ci.hcl:4:25: error: Unknown variable \"nope\"");
  EXPECT_CONTAINS(errors, "ci.hcl:6:9: error: Duplicate stage \"s\" in pipeline \"p\"");
  EXPECT_CONTAINS(errors, "ci.hcl:7:25: error: Unknown local \"zz\"");
  EXPECT_EQ(count(errors, "error:"), 4u) << errors;
}

// "${HOME}" in a run string is HCL's, not the shell's: the error says how
// to write the shell's variable; `secrets` says how secrets arrive.
TEST(Validation, AShellVariableOrSecretsInAnExpressionGetsAHint) {
  std::string errors = errors_of(with_exec("      run = \"cd ${HOME} && echo ${secrets.TOKEN}\"\n"));
  EXPECT_CONTAINS(errors, "error: Unknown variable \"HOME\"");
  EXPECT_CONTAINS(errors, "For the shell's variable, write $HOME or $${HOME}");
  EXPECT_CONTAINS(errors, "error: Unknown variable \"secrets\"");
  EXPECT_CONTAINS(errors, "they reach executions as environment variables");
  EXPECT_EQ(count(errors, "error:"), 2u) << errors;
  EXPECT_EQ(count(errors, "For the shell's variable"), 1u) << "not for secrets: " << errors;
}

std::string two_pipelines(const std::string& a_extra, const std::string& b_extra) {
  return "pipeline \"lint\" {\n" + a_extra + "  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n" +
         "pipeline \"build\" {\n" + b_extra + "  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n";
}

TEST(Validation, DependsOnUnknownPipeline) {
  std::string errors = errors_of(two_pipelines("", "  depends_on = [\"lnt\"]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:7:17: error: Unknown pipeline \"lnt\" in depends_on");
  EXPECT_CONTAINS(errors, "Did you mean \"lint\"?");
}

TEST(Validation, DependencyCycleIsPrinted) {
  std::string errors = errors_of(two_pipelines("  depends_on = [\"build\"]\n", "  depends_on = [\"lint\"]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:16: error: Dependency cycle: lint → build → lint");
  EXPECT_EQ(count(errors, "error:"), 1u);
}

TEST(Validation, EveryCycleIsReported) {
  std::string errors = errors_of(two_pipelines("  depends_on = [\"lint\"]\n", "  depends_on = [\"build\"]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:16: error: Dependency cycle: lint → lint");
  EXPECT_CONTAINS(errors, "ci.hcl:8:16: error: Dependency cycle: build → build");
}

TEST(Validation, SelfDependencyIsACycle) {
  std::string errors = errors_of(two_pipelines("  depends_on = [\"lint\"]\n", ""));
  EXPECT_CONTAINS(errors, "error: Dependency cycle: lint → lint");
}

TEST(Validation, BadDurations) {
  std::string words = errors_of(with_exec("      run     = \"x\"\n      timeout = \"10 minutes\"\n"));
  EXPECT_CONTAINS(words, "ci.hcl:5:17: error: Invalid timeout");
  EXPECT_CONTAINS(words, "e.g. \"30s\", \"10m\", \"1h30m\" or \"500ms\"");
  std::string negative = errors_of(with_exec("      run     = \"x\"\n      timeout = \"-1s\"\n"));
  EXPECT_CONTAINS(negative, "cannot be negative");
  std::string number = errors_of(with_exec("      run     = \"x\"\n      timeout = 30\n"));
  EXPECT_CONTAINS(number, "ci.hcl:5:17: error: timeout must be a duration string");
}

TEST(Validation, PipelineTimeoutIsCheckedToo) {
  std::string errors = errors_of(two_pipelines("  timeout = \"2 hours\"\n", ""));
  EXPECT_CONTAINS(errors, "ci.hcl:2:13: error: Invalid timeout");
}

TEST(Validation, EmptyStageAndPipelineWithoutStages) {
  std::string errors = errors_of("pipeline \"p\" {\n  stage \"s\" {}\n}\npipeline \"q\" {\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:2:9: error: Stage \"s\" has no executions");
  EXPECT_CONTAINS(errors, "ci.hcl:4:10: error: Pipeline \"q\" has no stages");
}

TEST(Validation, MissingAndExtraLabels) {
  std::string errors = errors_of(
      "pipeline {\n}\n"
      "pipeline \"p\" {\n  stage \"a\" \"b\" {\n    exec \"e\" { run = \"x\" }\n  }\n"
      "  filter \"f\" {}\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:1:1: error: Missing name for pipeline block");
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: Extra label for stage block");
  EXPECT_CONTAINS(errors, "ci.hcl:7:10: error: Unexpected label for filter block");
}

TEST(Validation, MatrixOutsideAMatrixPipeline) {
  std::string errors = errors_of(with_exec("      run = \"echo ${matrix.compiler}\"\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:21: error: matrix.compiler is not available here");
  EXPECT_CONTAINS(errors, "Pipeline \"p\" has no matrix block");
  EXPECT_EQ(count(errors, "error:"), 1u);
}

TEST(Validation, MatrixInAFilterOfAMatrixPipeline) {
  std::string errors = errors_of(
      "pipeline \"p\" {\n  matrix {\n    os = [\"linux\"]\n  }\n  filter {\n    branches = [matrix.os]\n  }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:6:17: error: matrix.os is not available here");
}

TEST(Validation, UnknownMatrixAxis) {
  std::string errors = errors_of(
      "pipeline \"p\" {\n  matrix {\n    compiler = [\"gcc\"]\n  }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"${matrix.compilr}\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:6:25: error: Unknown matrix axis \"compilr\"");
  EXPECT_CONTAINS(errors, "Did you mean \"compiler\"?");
}

TEST(Validation, EmptyMatrixAxis) {
  std::string errors = errors_of(
      "pipeline \"p\" {\n  matrix {\n    compiler = []\n  }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:3:16: error: Matrix axis \"compiler\" must be a non-empty list");
}

TEST(Validation, UnknownVariableLocalAndEventField) {
  std::string errors = errors_of(
      "variable \"greeting\" { default = \"hi\" }\n"
      "locals {\n  out = \"out\"\n}\n" +
      with_exec("      run = \"${var.greting} ${local.ot} ${event.brnch} ${evnt.tag}\"\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:8:16: error: Unknown variable \"greting\"");
  EXPECT_CONTAINS(errors, "Did you mean \"greeting\"?");
  EXPECT_CONTAINS(errors, "ci.hcl:8:31: error: Unknown local \"ot\"");
  EXPECT_CONTAINS(errors, "ci.hcl:8:43: error: Unknown event field \"brnch\"");
  EXPECT_CONTAINS(errors, "Did you mean \"branch\"?");
  EXPECT_CONTAINS(errors, "ci.hcl:8:58: error: Unknown variable \"evnt\"");
  EXPECT_CONTAINS(errors, "Did you mean \"event\"?");
  EXPECT_EQ(count(errors, "error:"), 4u);
}

TEST(Validation, VariableDefaultsAreConstants) {
  std::string errors = errors_of("variable \"a\" {\n  default = \"x-${event.branch}\"\n}\n" + with_exec("      run = \"x\"\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:18: error: A variable's default cannot use event.branch");
}

TEST(Validation, LocalsCycle) {
  std::string errors = errors_of("locals {\n  a = local.b\n  b = \"${local.a}!\"\n  c = local.a\n}\n" +
                                 with_exec("      run = local.c\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:3: error: Cycle among locals: local.a → local.b → local.a");
  EXPECT_EQ(count(errors, "error:"), 1u);
}

TEST(Validation, EvaluationErrorsInLocalsAreReportedOnce) {
  std::string errors = errors_of(
      "locals {\n  bad = upper(1, 2)\n  uses = local.bad\n}\n"
      "pipeline \"p\" {\n  matrix {\n    x = [1, 2, 3]\n  }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"${local.uses}\" }\n  }\n}\n");
  EXPECT_EQ(count(errors, "error:"), 1u);
  EXPECT_CONTAINS(errors, "ci.hcl:2:");
}

TEST(Validation, EnvMustBeAnObjectOfText) {
  std::string errors = errors_of(with_exec("      run = \"x\"\n      env = { A = [1] }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:13: error: env value A must be a string, number or bool");
}

TEST(Validation, EveryIndependentErrorIsReported) {
  std::string errors = errors_of(with_exec("      retyr = 1\n      timeout = \"soon\"\n"));
  EXPECT_CONTAINS(errors, "Unknown attribute \"retyr\"");
  EXPECT_CONTAINS(errors, "Missing \"run\"");
  EXPECT_CONTAINS(errors, "Invalid timeout");
}

TEST(Validation, MissingFactoryDirectory) {
  hcl::Diagnostics diags;
  EXPECT_FALSE(load(std::filesystem::temp_directory_path() / "factory-no-such-repository", diags));
  EXPECT_CONTAINS(hcl::render(diags), "error: No .factory directory in ");
}

TEST(Validation, EmptyFactoryDirectory) {
  std::string errors;
  EXPECT_FALSE(load_files({}, errors));
  EXPECT_CONTAINS(errors, "error: No configuration files in ");
}

TEST(Validation, SyntaxErrorsStopBeforeSchemaChecks) {
  std::string errors = errors_of("pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:3:");
  EXPECT_EQ(errors.find("Missing \"run\""), std::string::npos) << errors;
}

TEST(Validation, NoPipelinesIsOnlyAWarning) {
  std::string errors;
  EXPECT_TRUE(load_files({{"vars.hcl", "locals {\n  x = 1\n}\n"}}, errors));
  EXPECT_NE(errors.find("warning: The configuration has no pipelines"), std::string::npos) << errors;
}

TEST(Validation, DuplicateFilterBlock) {
  std::string errors;
  EXPECT_FALSE(load_files(
      {{"ci.hcl", "pipeline \"p\" {\n  filter {}\n  filter {}\n  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n"}},
      errors));
  EXPECT_NE(errors.find("ci.hcl:3:3: error: Duplicate filter block"), std::string::npos) << errors;
  EXPECT_NE(errors.find("the first is at "), std::string::npos) << errors;
}

TEST(Validation, ABadFilterDoesNotHideErrorsInTheStages) {
  std::string errors;
  EXPECT_FALSE(load_files(
      {{"ci.hcl", "pipeline \"p\" {\n  filter {\n    events = [\"pushh\"]\n  }\n"
                  "  stage \"s\" {\n    exec \"e\" {\n      run = \"x\"\n      retry = -1\n    }\n  }\n}\n"}},
      errors));
  EXPECT_NE(errors.find("ci.hcl:3:15: error: Unknown event \"pushh\""), std::string::npos) << errors;
  EXPECT_NE(errors.find("ci.hcl:8:15: error: retry must be a whole number"), std::string::npos) << errors;
}

// The pipeline gate's attributes: cancel_in_progress needs a group, and a
// group or an environment the server could not keep is an error at its place.
TEST(Validation, GateAttributesAreChecked) {
  const std::string stage = "  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n";
  std::string errors = errors_of("pipeline \"deploy\" {\n  cancel_in_progress = true\n" + stage);
  EXPECT_CONTAINS(errors, "ci.hcl:2:24: error: cancel_in_progress without concurrency");
  EXPECT_CONTAINS(errors, "give the group too");
  errors = errors_of("pipeline \"deploy\" {\n  environment = \"prod uction\"\n" + stage);
  EXPECT_CONTAINS(errors, "ci.hcl:2:17: error: Environment \"prod uction\" is not an environment name");
  errors = errors_of("pipeline \"deploy\" {\n  concurrency = \"\"\n" + stage);
  EXPECT_CONTAINS(errors, "Concurrency group \"\" is not a group name");
  errors = errors_of("pipeline \"deploy\" {\n  concurency = \"x\"\n" + stage);
  EXPECT_CONTAINS(errors, "Did you mean \"concurrency\"?");
  errors = errors_of("pipeline \"deploy\" {\n  cancel_in_progress = \"yes\"\n  concurrency = \"x\"\n" + stage);
  EXPECT_CONTAINS(errors, "cancel_in_progress must be");
}

}  // namespace
}  // namespace config
