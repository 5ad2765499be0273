// Test reports end to end (docs/configuration.md#test-reports): an agent of a
// real server reads the executions' JUnit XML, sends the results (the agent
// protocol's events), the server stores them and serves them at
// GET /api/v1/workflows/{id}/tests; a broken report says so in the log and
// fails nothing. `factory run` prints the totals and puts them in --json.
#include "cli/ci_server.h"
#include "cli/shell.h"
#include "test_paths.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::json;

// `unit` fails one of its three tests (allowed to fail); `broken` writes a
// report that is not XML.
const std::string kConfiguration = R"HCL(pipeline "ci" {
  stage "test" {
    exec "unit" {
      run = <<-SH
        mkdir -p build/test-results
        cat > build/test-results/unit.xml <<'XML'
        <testsuite name="calc">
          <testcase classname="calc" name="adds" time="0.25"/>
          <testcase classname="calc" name="divides" time="0.5">
            <failure message="division by zero" type="ZeroDivisionError">Traceback (most recent call last):
        calc.py:12: ZeroDivisionError</failure>
            <system-out>dividing 1 by 0</system-out>
          </testcase>
          <testcase classname="calc" name="rounds"><skipped message="later"/></testcase>
        </testsuite>
        XML
        exit 1
      SH
      allow_failure = true
      reports       = ["build/test-results/*.xml"]
    }
    exec "broken" {
      run     = "mkdir -p out && echo '<testsuite><testcase' > out/report.xml"
      reports = ["out/*.xml"]
    }
  }
}
)HCL";

class TestReports : public CiServer {};

TEST_F(TestReports, TheServerServesWhatTheReportsSaid) {
  write_file(".factory/ci.hcl", kConfiguration);
  const std::string sha = create_repository();
  start();

  const json workflow = wait_for_end(push_hook("refs/heads/main", sha), std::chrono::seconds(60));
  ASSERT_EQ(workflow["status"], "success") << workflow.dump(1) << process_logs();
  const json executions = clitest::pipeline(workflow, "ci")["stages"][0]["executions"];
  const std::string unit_log = log(executions[0]);
  EXPECT_TRUE(contains(unit_log, "tests: 1 passed, 1 failed, 1 skipped (1 report read)\n")) << unit_log;
  const std::string broken_log = log(executions[1]);
  EXPECT_TRUE(contains(broken_log, "tests: report out/report.xml is not XML: line ")) << broken_log;
  EXPECT_EQ(executions[1]["status"], "success");

  const json tests = get("/api/v1/workflows/" + workflow["id"].get<std::string>() + "/tests");
  ASSERT_EQ(tests["executions"].size(), 2u) << tests.dump(1);
  const json& unit = tests["executions"][0];
  EXPECT_EQ(unit["execution_id"], executions[0]["id"]);
  EXPECT_EQ(unit["pipeline"], "ci");
  EXPECT_EQ(unit["stage"], "test");
  EXPECT_EQ(unit["execution"], "unit");
  EXPECT_EQ(unit["status"], "failure");
  EXPECT_EQ(unit["totals"], (json{{"tests", 3}, {"passed", 1}, {"failures", 1}, {"errors", 0}, {"skipped", 1},
                                   {"flaky", 0}, {"time_ms", 750}}));
  ASSERT_EQ(unit["problems"].size(), 1u);
  const json& divides = unit["problems"][0];
  EXPECT_EQ(divides["outcome"], "failure");
  EXPECT_EQ(divides["suite"], "calc");
  EXPECT_EQ(divides["name"], "divides");
  EXPECT_EQ(divides["message"], "division by zero");
  EXPECT_EQ(divides["type"], "ZeroDivisionError");
  EXPECT_EQ(divides["file"], "calc.py");
  EXPECT_EQ(divides["line"], 12);
  EXPECT_TRUE(contains(divides["output"], "dividing 1 by 0")) << divides.dump();
  EXPECT_EQ(tests["executions"][1]["totals"]["tests"], 0);
  EXPECT_EQ(tests["totals"]["tests"], 3);

  EXPECT_EQ(api("GET", "/api/v1/workflows/00000000-0000-7000-8000-000000000000/tests").status, 404);
}

TEST_F(TestReports, FactoryRunPrintsTheTotals) {
  write_file(".factory/ci.hcl", kConfiguration);
  create_repository();
  const std::string run = clitest::quote(testpaths::factory_binary().string()) + " run " +
                          clitest::quote(work_tree().string()) + " --branch main";
  const clitest::Outcome plain = clitest::shell(run + " 2>&1");
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_TRUE(contains(plain.output, "  [ci/test/unit] tests: 1 passed, 1 failed, 1 skipped\n"
                                     "      failure: calc divides (calc.py:12): division by zero\n"))
      << plain.output;
  EXPECT_TRUE(contains(plain.output, "  [ci/test/broken] tests: 0 passed, 0 failed, 0 skipped\n")) << plain.output;

  const clitest::Outcome as_json = clitest::shell(run + " --json 2>/dev/null");
  const json result = json::parse(as_json.output);
  const json& unit = result["pipelines"][0]["stages"][0]["executions"][0];
  EXPECT_EQ(unit["tests"]["totals"]["failures"], 1);
  EXPECT_EQ(unit["tests"]["problems"][0]["name"], "divides");
}

}  // namespace
