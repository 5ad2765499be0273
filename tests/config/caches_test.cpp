// Cache blocks: what they plan to (a pipeline's merged into each execution's
// own), and every error they can have, with its place.
#include <gtest/gtest.h>

#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// A pipeline with `pipeline_body` before one stage whose one execution has
// `exec_body` beside its run.
std::string pipeline_with(const std::string& pipeline_body, const std::string& exec_body = "") {
  return "pipeline \"p\" {\n" + pipeline_body + "  stage \"s\" {\n    exec \"e\" {\n      run = \"true\"\n" +
         exec_body + "    }\n  }\n}\n";
}

TEST(Caches, AnExecutionHasItsPipelinesCachesAndItsOwnWhichReplaceThoseOfTheSameName) {
  const core::Plan plan = must_plan(pipeline_with(
      "  matrix { node = [\"20\", \"22\"] }\n"
      "  cache \"npm\" {\n"
      "    key          = \"npm-${matrix.node}-${event.branch}\"\n"
      "    paths        = [\"~/.npm\", \"node_modules\"]\n"
      "    restore_keys = [\"npm-${matrix.node}-\", \"npm-\"]\n"
      "  }\n"
      "  cache \"tools\" {\n    key = \"tools-1\"\n    paths = [\".tools\"]\n  }\n",
      "      cache \"tools\" {\n        key = \"tools-2\"\n        paths = [\"./bin/\"]\n      }\n"
      "      cache \"ccache\" {\n        key = \"ccache@1.0+x=y,z:w\"\n        paths = [\"~/.ccache\"]\n      }\n"));
  ASSERT_EQ(plan.pipelines.size(), 2u);
  const auto& caches = plan.pipelines[1].stages[0].executions[0].caches;
  ASSERT_EQ(caches.size(), 3u);
  EXPECT_EQ(caches[0], (core::CacheSpec{"npm", "npm-22-main", {"~/.npm", "node_modules"}, {"npm-22-", "npm-"}}));
  EXPECT_EQ(caches[1], (core::CacheSpec{"tools", "tools-2", {"./bin/"}, {}}));
  EXPECT_EQ(caches[2], (core::CacheSpec{"ccache", "ccache@1.0+x=y,z:w", {"~/.ccache"}, {}}));
  EXPECT_EQ(plan.pipelines[0].stages[0].executions[0].caches[0].key, "npm-20-main");
}

TEST(Caches, UnknownAttributeAndBlock) {
  std::string errors = errors_of(pipeline_with("  cache \"npm\" {\n    key = \"k\"\n    path = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:5: error: Unknown attribute \"path\" in a cache block");
  EXPECT_CONTAINS(errors, "Did you mean \"paths\"?");
  errors = errors_of(pipeline_with("", "      cache \"npm\" {\n        key = \"k\"\n        paths = [\"x\"]\n"
                                       "        restore { }\n      }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:8:9: error: Unknown block \"restore\" in a cache block");
  errors = errors_of(pipeline_with("", "      artefacts = [\"x\"]\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:7: error: Unknown attribute \"artefacts\" in an exec block");
  EXPECT_CONTAINS(errors, "Did you mean \"artifacts\"?");
  errors = errors_of(pipeline_with("", "      cache = {}\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:7: error: \"cache\" is a block, not an attribute");
}

TEST(Caches, KeyAndPathsAreRequired) {
  std::string errors = errors_of(pipeline_with("  cache \"npm\" {\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:9: error: Missing \"key\" in cache \"npm\"");
  errors = errors_of(pipeline_with("", "      cache \"npm\" { key = \"k\" }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:13: error: Missing \"paths\" in cache \"npm\"");
  errors = errors_of(pipeline_with("  cache \"npm\" {\n    key = \"k\"\n    paths = []\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: Cache \"npm\" has no paths");
  errors = errors_of(pipeline_with("  cache \"npm\" {\n    key = \"k\"\n    paths = \"node_modules\"\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: paths must be a list of strings");
  EXPECT_CONTAINS(errors, "[\"node_modules\"]");
}

TEST(Caches, DuplicateNamesInOneScopeNameTheFirst) {
  std::string errors = errors_of(pipeline_with(
      "  cache \"npm\" {\n    key = \"a\"\n    paths = [\"x\"]\n  }\n"
      "  cache \"npm\" {\n    key = \"b\"\n    paths = [\"y\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:6:9: error: Duplicate cache \"npm\" in pipeline \"p\"");
  EXPECT_CONTAINS(errors, "ci.hcl:2:9; names must be unique");
  errors = errors_of(pipeline_with("", "      cache \"npm\" {\n        key = \"a\"\n        paths = [\"x\"]\n      }\n"
                                       "      cache \"npm\" {\n        key = \"b\"\n"
                                       "        paths = [\"y\"]\n      }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:9:13: error: Duplicate cache \"npm\" in exec \"e\"");
  errors = errors_of(pipeline_with("  cache \"node modules\" {\n    key = \"a\"\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:9: error: Cache name \"node modules\" is not a name");
}

TEST(Caches, PathsStayInTheWorkspaceOrTheHome) {
  for (const auto& [path, problem] : std::vector<std::pair<std::string, std::string>>{
           {"/var/cache", "is absolute"},
           {"../elsewhere", "has a \"..\" component"},
           {"a/../../b", "has a \"..\" component"},
           {"~/../root", "has a \"..\" component"},
           {"~root/.npm", "uses ~ other than as ~/ at its start"},
           {"~/", "names the home directory itself"},
           {".", "names the directory itself"},
           {"", "is empty"}}) {
    const std::string errors =
        errors_of(pipeline_with("  cache \"npm\" {\n    key = \"k\"\n    paths = [\"ok\", \"" + path + "\"]\n  }\n"));
    EXPECT_CONTAINS(errors, "ci.hcl:4:20: error: Cache path \"" + path + "\" " + problem);
  }
  const std::string errors = errors_of(
      pipeline_with("  cache \"npm\" {\n    key = \"k\"\n    paths = [\"" + std::string(1025, 'a') + "\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "is 1025 bytes long (at most 1024)");
}

TEST(Caches, KeysAreObjectNameSafe) {
  std::string errors = errors_of(pipeline_with(
      "  cache \"npm\" {\n    key = \"npm-${event.branch}/x\"\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:11: error: Cache key \"npm-main/x\" has '/' at byte 9");
  EXPECT_CONTAINS(errors, "no '/' or space");
  errors = errors_of(pipeline_with("  cache \"npm\" {\n    key = \"\"\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:11: error: Cache key \"\" is empty");
  errors = errors_of(
      pipeline_with("  cache \"npm\" {\n    key = \"" + std::string(513, 'k') + "\"\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "is 513 bytes long");
  errors = errors_of(pipeline_with(
      "  cache \"npm\" {\n    key = \"k\"\n    paths = [\"x\"]\n    restore_keys = [\"npm-\", \"npm \"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:29: error: Restore key \"npm \" has ' ' at byte 4");
  errors = errors_of(pipeline_with("  cache \"npm\" {\n    key = [\"k\"]\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:11: error: key must be a string");
}

TEST(Caches, CountsAreBounded) {
  std::string caches;
  for (int i = 0; i < 21; ++i)
    caches += "      cache \"c" + std::to_string(i) + "\" {\n        key = \"k\"\n        paths = [\"x\"]\n      }\n";
  std::string errors = errors_of(pipeline_with("", caches));
  EXPECT_CONTAINS(errors, "ci.hcl:3:10: error: Exec \"e\" has 21 caches");
  errors = errors_of(
      pipeline_with("  cache \"npm\" {\n    key = \"k\"\n    paths = [for i in range(101) : \"p${i}\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: paths lists 101 entries");
  errors = errors_of(pipeline_with(
      "  cache \"npm\" {\n    key = \"k\"\n    paths = [\"x\"]\n"
      "    restore_keys = [for i in range(11) : \"k${i}\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:20: error: restore_keys lists 11 entries");
}

TEST(Caches, MatrixIsAvailableInAPipelinesCaches) {
  const std::string errors =
      errors_of(pipeline_with("  cache \"npm\" {\n    key = \"${matrix.node}\"\n    paths = [\"x\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:14: error: matrix.node is not available here");
  EXPECT_CONTAINS(errors, "has no matrix block");
}

}  // namespace
}  // namespace config
