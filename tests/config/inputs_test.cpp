// The input blocks of a manual run: their declarations and lint errors, the
// check of the values a run is given, and input.* in expressions.
#include <gtest/gtest.h>

#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

const std::string kInputs =
    "input \"environment\" {\n"
    "  type        = string\n"
    "  options     = [\"staging\", \"production\"]\n"
    "  default     = \"staging\"\n"
    "  description = \"Where to deploy\"\n"
    "}\n"
    "input \"replicas\" {\n"
    "  type    = number\n"
    "  default = 2\n"
    "}\n"
    "input \"dry_run\" {\n"
    "  type = bool\n"
    "}\n"
    "input \"version\" {}\n";

// A deploy pipeline whose run line shows every input.
const std::string kDeploy =
    "pipeline \"deploy\" {\n"
    "  env = { TARGET = input.environment }\n"
    "  stage \"s\" {\n"
    "    exec \"e\" {\n"
    "      run = \"deploy ${input.version} x${input.replicas + 1}${input.dry_run ? \" --dry-run\" : \"\"}\"\n"
    "    }\n"
    "  }\n"
    "}\n";

Configuration must_load(const std::string& text) {
  std::string errors;
  auto cfg = load_files({{"ci.hcl", text}}, errors);
  EXPECT_TRUE(cfg) << errors;
  return cfg ? std::move(*cfg) : Configuration{};
}

core::Event manual(std::map<std::string, std::string> inputs) {
  core::Event event = push("main");
  event.name = "manual";
  event.inputs = std::move(inputs);
  return event;
}

std::vector<std::string> messages(const ResolvedInputs& resolved) {
  std::vector<std::string> out;
  for (const auto& problem : resolved.problems) out.push_back(problem.input + ": " + problem.message);
  return out;
}

TEST(Inputs, DeclarationsAreEvaluatedWhenLoaded) {
  Configuration cfg = must_load(kInputs + kDeploy);
  ASSERT_EQ(cfg.inputs.size(), 4u);
  const Input& environment = cfg.inputs[0];
  EXPECT_EQ(environment.name, "environment");
  EXPECT_EQ(environment.type, Input::Type::String);
  EXPECT_EQ(environment.options, (std::vector<std::string>{"staging", "production"}));
  EXPECT_EQ(environment.default_value, "staging");
  EXPECT_EQ(environment.description, "Where to deploy");
  EXPECT_EQ(cfg.inputs[1].type, Input::Type::Number);
  EXPECT_EQ(cfg.inputs[1].default_value, "2");
  EXPECT_EQ(cfg.inputs[2].type, Input::Type::Bool);
  EXPECT_FALSE(cfg.inputs[2].default_value);
  EXPECT_EQ(cfg.inputs[3].type, Input::Type::String);  // the type a block without one has
  EXPECT_EQ(type_name(cfg.inputs[2].type), "bool");
}

TEST(Inputs, AManualRunsInputsReachExpressionsTyped) {
  Configuration cfg = must_load(kInputs + kDeploy);
  core::Plan p = plan_for(cfg, manual({{"environment", "production"}, {"replicas", "4"}, {"dry_run", "true"},
                                       {"version", "1.2"}}));
  ASSERT_EQ(p.pipelines.size(), 1u);
  const core::ExecutionSpec& e = p.pipelines[0].stages[0].executions[0];
  EXPECT_EQ(e.run, "deploy 1.2 x5 --dry-run");
  EXPECT_EQ(e.env.at("TARGET"), "production");
}

TEST(Inputs, InputsNotGivenTakeTheirDefaults) {
  Configuration cfg = must_load(kInputs + kDeploy);
  core::Plan p = plan_for(cfg, manual({{"dry_run", "false"}, {"version", "2.0"}}));
  ASSERT_EQ(p.pipelines.size(), 1u);
  EXPECT_EQ(p.pipelines[0].stages[0].executions[0].run, "deploy 2.0 x3");
  EXPECT_EQ(p.pipelines[0].stages[0].executions[0].env.at("TARGET"), "staging");
}

TEST(Inputs, OtherEventsTakeTheDefaultsOrTheEmptyValueOfTheType) {
  Configuration cfg = must_load(
      kInputs + kDeploy + "input \"region\" {\n  options = [\"eu\", \"us\"]\n}\n" +
      "pipeline \"where\" {\n  stage \"s\" {\n    exec \"e\" { run = input.region }\n  }\n}\n");
  core::Event event = push("main");
  event.inputs = {{"environment", "production"}};  // only a manual event's count
  core::Plan p = plan_for(cfg, event);
  ASSERT_EQ(p.pipelines.size(), 2u);
  EXPECT_EQ(p.pipelines[0].stages[0].executions[0].run, "deploy  x3");
  EXPECT_EQ(p.pipelines[0].stages[0].executions[0].env.at("TARGET"), "staging");
  EXPECT_EQ(p.pipelines[1].stages[0].executions[0].run, "eu");
}

TEST(Inputs, WrongValuesAreRefusedNamingTheInput) {
  Configuration cfg = must_load(kInputs + kDeploy);
  const ResolvedInputs resolved = resolve_inputs(
      cfg, {{"environment", "prod"}, {"replicas", "many"}, {"dry_run", "yes"}, {"enviroment", "x"}, {"colour", "red"}});
  EXPECT_EQ(messages(resolved), (std::vector<std::string>{
                                    "environment: input \"environment\": \"prod\" is not one of \"staging\", "
                                    "\"production\"",
                                    "replicas: input \"replicas\": \"many\" is not a number",
                                    "dry_run: input \"dry_run\": \"yes\" is not true or false",
                                    "version: input \"version\" is required: it has no default",
                                    "colour: input \"colour\" is not declared in .factory/, which declares "
                                    "\"environment\", \"replicas\", \"dry_run\", \"version\"",
                                    "enviroment: input \"enviroment\" is not declared in .factory/; did you mean "
                                    "\"environment\"?",
                                }));
}

TEST(Inputs, GoodValuesComeBackCanonicalWithTheDefaults) {
  Configuration cfg = must_load(kInputs + kDeploy);
  const ResolvedInputs resolved = resolve_inputs(cfg, {{"replicas", "3.0"}, {"dry_run", "true"}, {"version", "v1"}});
  EXPECT_TRUE(resolved.problems.empty()) << messages(resolved).front();
  const std::map<std::string, std::string> expected{
      {"environment", "staging"}, {"replicas", "3"}, {"dry_run", "true"}, {"version", "v1"}};
  EXPECT_EQ(resolved.values, expected);
  const ResolvedInputs too_long = resolve_inputs(cfg, {{"dry_run", "true"}, {"version", std::string(5000, 'v')}});
  ASSERT_EQ(too_long.problems.size(), 1u);
  EXPECT_CONTAINS(too_long.problems[0].message, "is longer than 4096 bytes");
  EXPECT_LT(too_long.problems[0].message.size(), 200u);  // the value is cut in the message
}

TEST(Inputs, AManualRunWithWrongInputsPlansNothingAndSaysWhy) {
  Configuration cfg = must_load(kInputs + kDeploy);
  std::string errors;
  core::Plan p = plan_for(cfg, manual({{"environment", "prod"}}), &errors);
  EXPECT_TRUE(p.pipelines.empty());
  EXPECT_CONTAINS(errors,
                  "ci.hcl:1:7: error: input \"environment\": \"prod\" is not one of \"staging\", \"production\"");
  EXPECT_CONTAINS(errors, "ci.hcl:14:7: error: input \"version\" is required: it has no default");
}

TEST(Inputs, LintErrors) {
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  type = strin\n}\n" + kDeploy),
                  "ci.hcl:2:10: error: Unknown input type \"strin\"");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  type = strin\n}\n" + kDeploy), "Did you mean \"string\"?");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  options = [\"x\", \"y\"]\n  default = \"z\"\n}\n"),
                  "ci.hcl:3:13: error: Default of input \"a\" is not allowed");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  options = [\"x\", \"y\"]\n  default = \"z\"\n}\n"),
                  "\"z\" is not one of \"x\", \"y\"");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  type = number\n  default = \"many\"\n}\n"),
                  "ci.hcl:3:13: error: Default of input \"a\" must be a number");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  type = bool\n  default = \"yes\"\n}\n"),
                  "error: Default of input \"a\" must be true or false");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  type = bool\n  options = [true]\n}\n"),
                  "ci.hcl:3:13: error: A bool input takes no options");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  type = number\n  options = [1, \"two\"]\n}\n"),
                  "ci.hcl:3:17: error: Option of input \"a\" must be a number");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  options = []\n}\n"), "error: options must be a list of 1 to 100 values");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  options = [\"x\", \"x\"]\n}\n"),
                  "ci.hcl:2:19: error: Duplicate option \"x\"");
  EXPECT_CONTAINS(errors_of("input \"a\" {}\ninput \"a\" {}\n"),
                  "ci.hcl:2:7: error: Duplicate input \"a\"");
  EXPECT_CONTAINS(errors_of("input \"a b\" {}\n"), "ci.hcl:1:7: error: Input name \"a b\" is not an identifier");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  colour = \"red\"\n}\n"),
                  "Unknown attribute \"colour\" in an input block");
  EXPECT_CONTAINS(errors_of("input \"a\" {\n  default = event.branch\n}\n"),
                  "ci.hcl:2:13: error: An input's declaration cannot use event.branch");
}

TEST(Inputs, AnUnknownInputInAnExpressionSuggestsTheDeclaredOne) {
  std::string errors = errors_of(
      "input \"environment\" {}\n"
      "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = input.enviroment }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:4:22: error: Unknown input \"enviroment\"");
  EXPECT_CONTAINS(errors, "Did you mean \"environment\"?");
}

TEST(Inputs, AQuotedTypeIsATypeToo) {
  Configuration cfg = must_load(std::string("input \"n\" {\n  type = \"number\"\n  default = \"7\"\n}\n") +
                                "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = input.n * 2 }\n  }\n}\n");
  EXPECT_EQ(cfg.inputs.at(0).type, Input::Type::Number);
  EXPECT_EQ(plan_for(cfg, push("main")).pipelines.at(0).stages.at(0).executions.at(0).run, "14");
}

}  // namespace
}  // namespace config
