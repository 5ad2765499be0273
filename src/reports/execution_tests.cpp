#include "reports/execution_tests.h"

namespace reports {

std::string ExecutionTests::key_of(const core::TestProblem& problem) { return problem.suite + '\n' + problem.name; }

void ExecutionTests::remember(const core::TestProblem& problem) {
  if (failed_before_.size() < kMaxRememberedFailures || failed_before_.contains(key_of(problem)))
    failed_before_[key_of(problem)] = problem;
}

void ExecutionTests::start_attempt() {
  for (const core::TestProblem& problem : failed_now_) remember(problem);
  failed_now_.clear();
  current_ = {};
  flaky_.clear();
}

bool ExecutionTests::add(TestCase&& test) {
  if (full()) return false;
  core::TestTotals& totals = current_.totals;
  ++totals.tests;
  totals.time_ms += test.time_ms;
  core::TestProblem problem{core::TestOutcome::Failure, std::move(test.suite), std::move(test.name),
                            std::move(test.message), std::move(test.type), std::move(test.file), test.line,
                            std::move(test.output)};
  switch (test.status) {
    case CaseStatus::Skipped: ++totals.skipped; break;
    case CaseStatus::Failed:
    case CaseStatus::Errored: {
      const bool error = test.status == CaseStatus::Errored;
      ++(error ? totals.errors : totals.failures);
      problem.outcome = error ? core::TestOutcome::Error : core::TestOutcome::Failure;
      if (failed_now_.size() < kMaxRememberedFailures) failed_now_.push_back(problem);
      if (current_.problems.size() < core::kMaxListedTests) current_.problems.push_back(std::move(problem));
      break;
    }
    case CaseStatus::Passed: {
      // Flaky: the report says so (a rerun within the run), or an earlier attempt failed it.
      if (!test.flaky) {
        const auto earlier = failed_before_.find(key_of(problem));
        if (earlier == failed_before_.end()) break;
        problem = earlier->second;
      }
      ++totals.flaky;
      problem.outcome = core::TestOutcome::Flaky;
      if (flaky_.size() < core::kMaxListedTests) flaky_.push_back(std::move(problem));
      break;
    }
  }
  return !full();
}

core::TestResults ExecutionTests::results() const {
  core::TestResults results = current_;
  for (const core::TestProblem& flaky : flaky_) {
    if (results.problems.size() >= core::kMaxListedTests) break;
    results.problems.push_back(flaky);
  }
  return results;
}

}  // namespace reports
