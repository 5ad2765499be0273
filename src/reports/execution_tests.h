// The test results of one execution over its attempts: each attempt's
// reports are added to it as they are read, and its results are those of
// the last attempt that had reports, where a test that failed or errored in
// an earlier attempt and passed in that one is flaky.
//
//   ExecutionTests tests;
//   tests.start_attempt();                      // after each attempt with reports
//   read_junit_file(file, [&](TestCase&& t) { return tests.add(std::move(t)); });
//   core::TestResults results = tests.results();
//
// Memory is bounded: an attempt counts at most kMaxTestCases cases, and at
// most kMaxRememberedFailures failed tests are remembered to find flaky ones.
// Thread-safety: none; one execution's thread uses it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/test_results.h"
#include "reports/junit.h"

namespace reports {

inline constexpr std::int64_t kMaxTestCases = 1'000'000;         // counted in one attempt
inline constexpr std::size_t kMaxRememberedFailures = 1'000;     // of earlier attempts, to find flaky tests

class ExecutionTests {
 public:
  // Begins the reports of a new attempt: those of the attempt before become
  // the earlier ones.
  void start_attempt();
  // False once the attempt has counted kMaxTestCases: read no more.
  bool add(TestCase&& test);
  // Whether the attempt being read stopped at kMaxTestCases.
  bool full() const { return current_.totals.tests >= kMaxTestCases; }
  const core::TestTotals& totals() const { return current_.totals; }
  // The last attempt's, failures and errors before flaky tests.
  core::TestResults results() const;

 private:
  static std::string key_of(const core::TestProblem& problem);
  void remember(const core::TestProblem& problem);

  core::TestResults current_;            // problems: failures and errors only
  std::vector<core::TestProblem> flaky_;  // of the current attempt, at most kMaxListedTests
  std::vector<core::TestProblem> failed_now_;  // of the current attempt, to remember at the next one
  std::map<std::string, core::TestProblem> failed_before_;  // by suite and name
};

}  // namespace reports
