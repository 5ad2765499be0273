// Test reports read by the runner after each attempt (runner/test_reports.h):
// the results of the last attempt, a test that failed and then passed on a
// retry marked flaky, and bad reports (malformed, 100 MB, stale) said in the
// log without failing the execution.
#include <gtest/gtest.h>

#include <algorithm>

#include "runner_test_support.h"

namespace runner::testing {
namespace {

namespace fs = std::filesystem;

// A JUnit report of one suite: each case "name" passes, "name:failed" fails.
std::string report(const std::vector<std::string>& cases) {
  std::string xml = "<testsuites><testsuite name=\"unit\">";
  for (const std::string& test : cases) {
    const auto colon = test.find(':');
    xml += "<testcase classname=\"unit\" name=\"" + test.substr(0, colon) + "\" time=\"0.5\">";
    if (colon != std::string::npos) xml += "<failure message=\"" + test.substr(colon + 1) + "\">trace</failure>";
    xml += "</testcase>";
  }
  return xml + "</testsuite></testsuites>";
}

// A script writing `xml` to `path` in the workspace.
std::string writes(const std::string& path, const std::string& xml) {
  return "mkdir -p \"$(dirname " + path + ")\"; printf '%s' '" + xml + "' > " + path;
}

class TestReports : public ::testing::Test {
 protected:
  TestReports() {
    options = options_in(checkout);
    options.workspaces = copies.path().string();
  }

  const ExecutionResult& run_one(core::ExecutionSpec spec) {
    result = run(core::Plan{{pipeline("ci", {stage("test", {std::move(spec)})})}, {}}, options, observer);
    return result.pipelines[0].stages[0].executions[0];
  }

  std::vector<std::string> lines_with(const std::string& part) const {
    std::vector<std::string> found;
    for (const auto& line : observer.lines)
      if (line.text.find(part) != std::string::npos) found.push_back(line.text);
    return found;
  }

  TempDir checkout, copies, outside;
  Options options;
  RecordingObserver observer;
  RunResult result;
};

TEST_F(TestReports, TheReportsOfAnExecutionAreItsResults) {
  core::ExecutionSpec spec = exec("unit", writes("build/test-results/a.xml", report({"adds", "subtracts"})) + "; " +
                                              writes("build/test-results/b.xml", report({"divides:by zero"})) +
                                              "; exit 1");
  spec.reports = {"build/test-results/*.xml"};
  const ExecutionResult& execution = run_one(spec);
  EXPECT_EQ(execution.status, core::Status::Failure);
  ASSERT_TRUE(execution.tests.has_value());
  EXPECT_EQ(execution.tests->totals, (core::TestTotals{3, 1, 0, 0, 0, 1500}));
  ASSERT_EQ(execution.tests->problems.size(), 1u);
  EXPECT_EQ(execution.tests->problems[0].name, "divides");
  EXPECT_EQ(execution.tests->problems[0].message, "by zero");
  EXPECT_EQ(lines_with("tests: "), (std::vector<std::string>{"tests: 2 passed, 1 failed, 0 skipped (2 reports read)"}));
}

TEST_F(TestReports, ATestThatFailedThenPassedOnARetryIsFlaky) {
  // The attempts count in a file outside the workspace, which each attempt gets afresh.
  const std::string tries = (outside.path() / "tries").string();
  core::ExecutionSpec spec =
      exec("unit", "echo x >> " + tries + "; if [ $(wc -l < " + tries + ") = 1 ]; then " +
                       writes("results/unit.xml", report({"steady", "wobbly:timed out"})) + "; exit 1; fi; " +
                       writes("results/unit.xml", report({"steady", "wobbly"})));
  spec.retry = 1;
  spec.reports = {"results/*.xml"};
  const ExecutionResult& execution = run_one(spec);
  EXPECT_EQ(execution.status, core::Status::Success);
  EXPECT_EQ(execution.attempts, 2);
  ASSERT_TRUE(execution.tests.has_value());
  EXPECT_EQ(execution.tests->totals, (core::TestTotals{2, 0, 0, 0, 1, 1000}));
  ASSERT_EQ(execution.tests->problems.size(), 1u);
  EXPECT_EQ(execution.tests->problems[0].outcome, core::TestOutcome::Flaky);
  EXPECT_EQ(execution.tests->problems[0].name, "wobbly");
  EXPECT_EQ(execution.tests->problems[0].message, "timed out");
  EXPECT_EQ(lines_with("tests: "), (std::vector<std::string>{"tests: 1 passed, 1 failed, 0 skipped (1 report read)",
                                                             "tests: 2 passed, 0 failed, 0 skipped, 1 flaky (1 report read)"}));
}

TEST_F(TestReports, BadReportsAreSaidInTheLogAndFailNothing) {
  core::ExecutionSpec spec =
      exec("unit", writes("out/good.xml", report({"adds"})) + "; " + writes("out/broken.xml", "<testsuite><testcase>") +
                       "; head -c 104857600 /dev/zero > out/huge.xml");
  spec.reports = {"out/*.xml"};
  const ExecutionResult& execution = run_one(spec);
  EXPECT_EQ(execution.status, core::Status::Success);
  EXPECT_EQ(result.status, core::Status::Success);
  ASSERT_TRUE(execution.tests.has_value());
  EXPECT_EQ(execution.tests->totals.tests, 1);
  const std::vector<std::string> said = lines_with("tests: ");
  ASSERT_EQ(said.size(), 3u) << ::testing::PrintToString(said);
  EXPECT_TRUE(said[0].starts_with("tests: report out/broken.xml is not XML: line 1: ")) << said[0];
  EXPECT_EQ(said[1], "tests: report out/huge.xml is 105 MB, over the 33.6 MB a test report may be; it was not read");
  EXPECT_EQ(said[2], "tests: 1 passed, 0 failed, 0 skipped (1 report read)");
}

TEST_F(TestReports, AReportOlderThanTheAttemptIsLeftOut) {
  fs::create_directories(checkout.path() / "results");
  std::ofstream(checkout.path() / "results/committed.xml") << report({"old:stale"});
  fs::last_write_time(checkout.path() / "results/committed.xml",
                      fs::file_time_type::clock::now() - std::chrono::hours{24});
  core::ExecutionSpec spec = exec("unit", "true");
  spec.reports = {"results/*.xml"};
  const ExecutionResult& execution = run_one(spec);
  EXPECT_EQ(execution.status, core::Status::Success);
  EXPECT_FALSE(execution.tests.has_value());
  EXPECT_EQ(lines_with("tests: "),
            (std::vector<std::string>{"tests: 1 report left out, written before this attempt: results/committed.xml",
                                      "tests: no report found (reports = results/*.xml)"}));
}

TEST_F(TestReports, SecretsInAReportAreHidden) {
  options.mask = core::SecretMask{core::Env{{"TOKEN", "s3cr3t-value"}}};
  core::ExecutionSpec spec = exec("unit", writes("r.xml", report({"logs in:token s3cr3t-value refused"})));
  spec.reports = {"r.xml"};
  const ExecutionResult& execution = run_one(spec);
  ASSERT_TRUE(execution.tests.has_value());
  ASSERT_EQ(execution.tests->problems.size(), 1u);
  EXPECT_EQ(execution.tests->problems[0].message, "token *** refused");
}

}  // namespace
}  // namespace runner::testing
