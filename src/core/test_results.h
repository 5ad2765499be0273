// The test results of one execution, as its JUnit XML reports say
// (docs/configuration.md#test-reports): totals, and the failed, errored and
// flaky tests with what they said. The runner reads them (reports/), the
// agent sends them (protocol/), the server stores and serves them, and
// `factory run` prints them; every one of these works on this shape.
//
// Bounds: what one execution's results may hold, so that a report written by
// a build cannot grow the agent's message, the store or a page without end.
// Values only; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace core {

inline constexpr std::size_t kMaxListedTests = 100;            // failures, errors and flaky tests listed
inline constexpr std::size_t kMaxTestNameBytes = 500;          // a test's suite (classname) and name
inline constexpr std::size_t kMaxTestMessageBytes = 4 * 1024;  // a failure's message
inline constexpr std::size_t kMaxTestTypeBytes = 200;          // a failure's type
inline constexpr std::size_t kMaxTestFileBytes = 1024;         // the file a failure names
inline constexpr std::size_t kMaxTestOutputBytes = 16 * 1024;  // a failure's text and captured output

struct TestTotals {
  std::int64_t tests = 0;     // every test case, skipped ones included
  std::int64_t failures = 0;  // failed an assertion
  std::int64_t errors = 0;    // could not run to its end (an exception, a crash, a failed setup)
  std::int64_t skipped = 0;
  std::int64_t flaky = 0;     // passed in the last attempt after failing in an earlier one: among the passed
  std::int64_t time_ms = 0;   // the cases' times added up

  std::int64_t passed() const { return tests - failures - errors - skipped; }
  // Adds another execution's: a workflow's totals are its executions' summed.
  TestTotals& operator+=(const TestTotals& more);
  bool operator==(const TestTotals&) const = default;
};

enum class TestOutcome {
  Failure,  // failed in the last attempt
  Error,    // errored in the last attempt
  Flaky,    // failed or errored in an earlier attempt, passed in the last; what it said then
};
std::string_view to_string(TestOutcome outcome);  // "failure", "error", "flaky"
std::optional<TestOutcome> parse_test_outcome(std::string_view text);

// One test that did not simply pass, each text cut to its bound.
struct TestProblem {
  TestOutcome outcome = TestOutcome::Failure;
  std::string suite;    // its classname, else its suite's name
  std::string name;
  std::string message;  // the failure's message attribute
  std::string type;     // the failure's type (an exception's class, "AssertionError")
  std::string file;     // where it failed, when the report says: the case's file, or the first "file:line" of a GoogleTest message
  int line = 0;         // 0: not said
  std::string output;   // the failure's text (a stack trace), then the case's system-out and system-err

  bool operator==(const TestProblem&) const = default;
};

struct TestResults {
  TestTotals totals;
  // Failures and errors first, then flaky tests, each in report order; at
  // most kMaxListedTests (the totals count them all).
  std::vector<TestProblem> problems;

  bool operator==(const TestResults&) const = default;
};

// "120 passed, 2 failed, 3 skipped", with ", 1 error" and ", 1 flaky" when
// there are any: the line `factory run` prints, for summaries elsewhere too.
std::string test_totals_text(const TestTotals& totals);

// `text` cut to at most `most` bytes on a UTF-8 character boundary, saying
// how long it was: "abc… [1234 bytes in all]". `whole` is that length when
// `text` is already the start of something longer.
std::string bounded_test_text(std::string_view text, std::size_t most, std::size_t whole = 0);

}  // namespace core
