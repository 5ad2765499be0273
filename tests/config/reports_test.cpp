// reports: the glob patterns of an execution's JUnit XML test reports, what
// they plan to and every error they can have, with its place.
#include <gtest/gtest.h>

#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

std::string with_reports(const std::string& reports) {
  return "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"make test\"\n"
         "      reports = " + reports + "\n    }\n  }\n}\n";
}

TEST(Reports, PlanHoldsThePatterns) {
  const core::Plan plan = must_plan(with_reports("[\"build/test-results/*.xml\", \"./junit/**/*.xml\", \"!junit/old.xml\"]"));
  EXPECT_EQ(plan.pipelines[0].stages[0].executions[0].reports,
            (std::vector<std::string>{"build/test-results/*.xml", "junit/**/*.xml", "!junit/old.xml"}));
}

TEST(Reports, PatternsStayInTheWorkspace) {
  for (const auto& [pattern, problem] : std::vector<std::pair<std::string, std::string>>{
           {"/tmp/*.xml", "is absolute"},
           {"../other/*.xml", "has a \"..\" component"},
           {"~/results.xml", "starts with ~"},
           {"results/[a-", "is not a glob"},
           {"", "is empty"}}) {
    const std::string errors = errors_of(with_reports("[\"ok/*.xml\", \"" + pattern + "\"]"));
    EXPECT_CONTAINS(errors, "ci.hcl:5:30: error: Report pattern \"" + pattern + "\" " + problem);
    EXPECT_CONTAINS(errors, "Test reports are glob patterns relative to the workspace, e.g. \"build/test-results/*.xml\"");
  }
}

TEST(Reports, TheyAreAListOfStrings) {
  EXPECT_CONTAINS(errors_of(with_reports("\"results.xml\"")), "ci.hcl:5:17: error:");
  std::string many = "[";
  for (int i = 0; i < 101; ++i) many += std::string(i ? ", " : "") + "\"r" + std::to_string(i) + ".xml\"";
  EXPECT_CONTAINS(errors_of(with_reports(many + "]")), "reports lists 101 entries");
}

}  // namespace
}  // namespace config
