// Reading JUnit XML: reports written during the test by the real tools
// (pytest, a GoogleTest program of ours, Node's test runner), a committed
// Maven Surefire report, and hostile ones (malformed, huge, a DOCTYPE, a
// symbolic link, texts over their bounds).
#include "reports/junit.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "reports/execution_tests.h"
#include "temp_dir.h"
#include "test_paths.h"

namespace reports {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream{path, std::ios::binary} << text;
}

// Runs a shell command in `dir`, its output discarded: test tools exit non-zero when a test fails.
void run_in(const fs::path& dir, const std::string& command) {
  const std::string line = "cd '" + dir.string() + "' && " + command + " >/dev/null 2>&1";
  const int status = std::system(line.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << line;
}

struct Read {
  core::TestResults results;
  std::vector<TestCase> cases;
  ReadOutcome outcome;
};

Read read(const fs::path& file) {
  ExecutionTests tests;
  tests.start_attempt();
  std::vector<TestCase> cases;
  ReadOutcome outcome = read_junit_file(file, [&](TestCase&& test) {
    cases.push_back(test);
    return tests.add(std::move(test));
  });
  return {tests.results(), std::move(cases), std::move(outcome)};
}

const core::TestProblem* problem_named(const core::TestResults& results, const std::string& name) {
  for (const auto& problem : results.problems)
    if (problem.name == name) return &problem;
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(JunitReports, Pytest) {
  if (!fs::exists("/usr/bin/python3") || std::system("/usr/bin/python3 -c 'import pytest' 2>/dev/null") != 0)
    GTEST_SKIP() << "Debian's python3-pytest is not installed (scripts/setup.sh installs it)";
  testpaths::TempDir dir;
  write_file(dir.path() / "test_sample.py",
             "import pytest\n"
             "\n"
             "@pytest.fixture\n"
             "def broken():\n"
             "    raise RuntimeError('no database')\n"
             "\n"
             "def test_adds():\n"
             "    assert 1 + 1 == 2\n"
             "\n"
             "def test_fails():\n"
             "    print('adding one and one')\n"
             "    assert 1 + 1 == 3, 'one and one'\n"
             "\n"
             "@pytest.mark.skip(reason='not today')\n"
             "def test_skips():\n"
             "    pass\n"
             "\n"
             "def test_errors(broken):\n"
             "    pass\n");
  run_in(dir.path(), "/usr/bin/python3 -m pytest -p no:cacheprovider --junitxml=results/pytest.xml test_sample.py");
  const Read got = read(dir.path() / "results/pytest.xml");
  ASSERT_TRUE(got.outcome) << got.outcome.error();
  EXPECT_EQ(got.results.totals, (core::TestTotals{4, 1, 1, 1, 0, got.results.totals.time_ms}));
  const core::TestProblem* failed = problem_named(got.results, "test_fails");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->outcome, core::TestOutcome::Failure);
  EXPECT_EQ(failed->suite, "test_sample");
  EXPECT_TRUE(contains(failed->message, "one and one")) << failed->message;
  EXPECT_EQ(failed->file, "test_sample.py");
  EXPECT_EQ(failed->line, 12);
  EXPECT_TRUE(contains(failed->output, "adding one and one")) << failed->output;
  const core::TestProblem* errored = problem_named(got.results, "test_errors");
  ASSERT_NE(errored, nullptr);
  EXPECT_EQ(errored->outcome, core::TestOutcome::Error);
  EXPECT_TRUE(contains(errored->output, "no database")) << errored->output;
}

TEST(JunitReports, GoogleTest) {
  const fs::path program = testpaths::factory_binary().parent_path() / "tests/reports/reports_sample_gtest";
  ASSERT_TRUE(fs::exists(program)) << program;
  testpaths::TempDir dir;
  run_in(dir.path(), "'" + program.string() + "' --gtest_output=xml:" + (dir.path() / "gtest.xml").string());
  const Read got = read(dir.path() / "gtest.xml");
  ASSERT_TRUE(got.outcome) << got.outcome.error();
  // The disabled test is listed as not run: skipped.
  EXPECT_EQ(got.results.totals, (core::TestTotals{4, 1, 0, 2, 0, got.results.totals.time_ms}));
  ASSERT_EQ(got.results.problems.size(), 1u);
  const core::TestProblem& failed = got.results.problems[0];
  EXPECT_EQ(failed.suite, "Sample");
  EXPECT_EQ(failed.name, "Fails");
  EXPECT_TRUE(failed.file.ends_with("tests/reports/sample_gtest.cpp")) << failed.file;
  EXPECT_EQ(failed.line, 12);  // the failed expectation's, not the test's
  EXPECT_TRUE(contains(failed.message, "one and one")) << failed.message;
  // A <failure> per failed expectation: the first is the message, all are the output.
  EXPECT_FALSE(contains(failed.message, "two and two")) << failed.message;
  EXPECT_TRUE(contains(failed.output, "one and one") && contains(failed.output, "two and two")) << failed.output;
}

TEST(JunitReports, NodeTestRunner) {
  if (std::system("node --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed";
  testpaths::TempDir dir;
  write_file(dir.path() / "math.test.mjs",
             "import test, { describe, it } from 'node:test';\n"
             "import assert from 'node:assert';\n"
             "describe('math', () => {\n"
             "  it('adds', () => assert.strictEqual(1 + 1, 2));\n"
             "  it('fails', () => assert.strictEqual(1 + 1, 3, 'one and one'));\n"
             "  it('skips', { skip: 'not today' }, () => {});\n"
             "});\n"
             "test('stands alone', () => {});\n");
  run_in(dir.path(), "node --test --test-reporter=junit --test-reporter-destination=node.xml math.test.mjs");
  const Read got = read(dir.path() / "node.xml");
  ASSERT_TRUE(got.outcome) << got.outcome.error();
  EXPECT_EQ(got.results.totals, (core::TestTotals{4, 1, 0, 1, 0, got.results.totals.time_ms}));
  ASSERT_EQ(got.results.problems.size(), 1u);
  EXPECT_EQ(got.results.problems[0].name, "fails");
  EXPECT_TRUE(contains(got.results.problems[0].message, "one and one"));
  EXPECT_TRUE(contains(got.results.problems[0].output, "math.test.mjs:5")) << got.results.problems[0].output;
}

TEST(JunitReports, MavenSurefire) {
  const Read got = read(testpaths::source_dir() / "tests/reports/data/TEST-com.example.CalculatorTest.xml");
  ASSERT_TRUE(got.outcome) << got.outcome.error();
  // roundsHalfUp failed, was run again within the run and passed: flaky.
  EXPECT_EQ(got.results.totals, (core::TestTotals{5, 1, 1, 1, 1, 48}));
  ASSERT_EQ(got.results.problems.size(), 3u);
  EXPECT_EQ(got.results.problems[0].name, "dividesByZero");
  EXPECT_EQ(got.results.problems[0].message, "expected: <Infinity> but was: <NaN>");
  EXPECT_EQ(got.results.problems[0].type, "org.opentest4j.AssertionFailedError");
  EXPECT_TRUE(contains(got.results.problems[0].output, "CalculatorTest.java:27"));
  EXPECT_TRUE(contains(got.results.problems[0].output, "dividing 1 by 0"));
  EXPECT_EQ(got.results.problems[1].outcome, core::TestOutcome::Error);
  EXPECT_EQ(got.results.problems[1].type, "java.io.FileNotFoundException");
  EXPECT_EQ(got.results.problems[2].outcome, core::TestOutcome::Flaky);
  EXPECT_EQ(got.results.problems[2].name, "roundsHalfUp");
  EXPECT_EQ(got.results.problems[2].message, "expected: <3> but was: <2>");
}

TEST(JunitReports, MalformedXmlSaysWhereItBreaks) {
  testpaths::TempDir dir;
  write_file(dir.path() / "broken.xml",
             "<testsuite>\n  <testcase name=\"a\"/>\n  <testcase name=\"b\">\n</testsuite>\n");
  const Read got = read(dir.path() / "broken.xml");
  ASSERT_FALSE(got.outcome);
  EXPECT_TRUE(got.outcome.error().starts_with("is not XML: line 4: ")) << got.outcome.error();
}

TEST(JunitReports, AnotherDocumentIsNotAReport) {
  testpaths::TempDir dir;
  write_file(dir.path() / "page.xml", "<html><body>hello</body></html>");
  const Read got = read(dir.path() / "page.xml");
  ASSERT_FALSE(got.outcome);
  EXPECT_EQ(got.outcome.error(), "is not a JUnit report: its root element is <html>, not <testsuites> or <testsuite>");
  write_file(dir.path() / "empty.xml", "");
  EXPECT_FALSE(read(dir.path() / "empty.xml").outcome);
}

TEST(JunitReports, AHugeReportIsNotRead) {
  testpaths::TempDir dir;
  const fs::path huge = dir.path() / "huge.xml";
  {
    std::ofstream file{huge, std::ios::binary};
    file << "<testsuite>";
    const std::string cases(1 << 20, ' ');
    for (int i = 0; i < 100; ++i) file << cases;
    file << "</testsuite>";
  }
  const Read got = read(huge);
  ASSERT_FALSE(got.outcome);
  EXPECT_EQ(got.outcome.error(), "is 105 MB, over the 33.6 MB a test report may be; it was not read");
}

TEST(JunitReports, ADoctypeIsRefusedAndNothingIsFetchedOrExpanded) {
  testpaths::TempDir dir;
  write_file(dir.path() / "plain.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite>\n<testsuite/>");
  const Read plain = read(dir.path() / "plain.xml");
  ASSERT_FALSE(plain.outcome);
  EXPECT_EQ(plain.outcome.error(), "is refused: it has a DOCTYPE, which no test report needs");

  write_file(dir.path() / "secret.txt", "s3cr3t");
  write_file(dir.path() / "xxe.xml",
             "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [<!ENTITY leak SYSTEM \"file://" +
                 (dir.path() / "secret.txt").string() +
                 "\">]>\n<testsuite><testcase name=\"a\"><failure message=\"&leak;\">&leak;</failure></testcase></testsuite>");
  const Read xxe = read(dir.path() / "xxe.xml");
  ASSERT_FALSE(xxe.outcome);
  EXPECT_TRUE(xxe.cases.empty());
  EXPECT_FALSE(contains(xxe.outcome.error(), "s3cr3t")) << xxe.outcome.error();

  std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [<!ENTITY l0 \"ha\">";
  for (int i = 1; i < 10; ++i)
    laughs += "<!ENTITY l" + std::to_string(i) + " \"" + [&] {
      std::string refs;
      for (int j = 0; j < 10; ++j) refs += "&l" + std::to_string(i - 1) + ";";
      return refs;
    }() + "\">";
  laughs += "]>\n<testsuite><testcase name=\"&l9;\"/></testsuite>";
  write_file(dir.path() / "laughs.xml", laughs);
  const Read expanded = read(dir.path() / "laughs.xml");
  ASSERT_FALSE(expanded.outcome);
  EXPECT_TRUE(expanded.cases.empty());
}

TEST(JunitReports, ASymbolicLinkIsNotFollowed) {
  testpaths::TempDir dir;
  write_file(dir.path() / "real.xml", "<testsuite><testcase name=\"a\"/></testsuite>");
  fs::create_symlink(dir.path() / "real.xml", dir.path() / "link.xml");
  const Read got = read(dir.path() / "link.xml");
  ASSERT_FALSE(got.outcome);
  EXPECT_EQ(got.outcome.error(), "is a symbolic link, which is not read");
}

TEST(JunitReports, TextsAreCutToTheirBounds) {
  testpaths::TempDir dir;
  const std::string long_message(1 << 20, 'm');
  const std::string long_output(3 << 20, 'o');
  write_file(dir.path() / "long.xml", "<testsuite><testcase classname=\"" + std::string(2000, 'c') +
                                          "\" name=\"n\"><failure message=\"" + long_message + "\">" + long_output +
                                          "</failure></testcase></testsuite>");
  const Read got = read(dir.path() / "long.xml");
  ASSERT_TRUE(got.outcome) << got.outcome.error();
  ASSERT_EQ(got.results.problems.size(), 1u);
  const core::TestProblem& problem = got.results.problems[0];
  EXPECT_LE(problem.suite.size(), core::kMaxTestNameBytes);
  EXPECT_LE(problem.message.size(), core::kMaxTestMessageBytes);
  EXPECT_TRUE(problem.message.ends_with("… [1048576 bytes in all]")) << problem.message.substr(4000);
  EXPECT_LE(problem.output.size(), core::kMaxTestOutputBytes);
  EXPECT_TRUE(problem.output.ends_with("… [3145728 bytes in all]"));
}

TEST(ExecutionTests, ATestThatFailedThenPassedIsFlaky) {
  ExecutionTests tests;
  tests.start_attempt();
  tests.add({CaseStatus::Failed, false, "suite", "wobbles", 5, "timed out", "Timeout", "a.py", 3, "trace"});
  tests.add({CaseStatus::Failed, false, "suite", "breaks", 5, "no", "", "", 0, ""});
  tests.start_attempt();
  tests.add({CaseStatus::Passed, false, "suite", "wobbles", 4, "", "", "", 0, ""});
  tests.add({CaseStatus::Failed, false, "suite", "breaks", 5, "still no", "", "", 0, ""});
  tests.add({CaseStatus::Passed, false, "other", "wobbles", 1, "", "", "", 0, ""});
  const core::TestResults results = tests.results();
  EXPECT_EQ(results.totals, (core::TestTotals{3, 1, 0, 0, 1, 10}));
  ASSERT_EQ(results.problems.size(), 2u);
  EXPECT_EQ(results.problems[0].name, "breaks");
  EXPECT_EQ(results.problems[0].message, "still no");
  EXPECT_EQ(results.problems[1].outcome, core::TestOutcome::Flaky);
  EXPECT_EQ(results.problems[1].suite, "suite");
  EXPECT_EQ(results.problems[1].message, "timed out");  // what it said when it failed
  EXPECT_EQ(core::test_totals_text(results.totals), "2 passed, 1 failed, 0 skipped, 1 flaky");
}

}  // namespace
}  // namespace reports
