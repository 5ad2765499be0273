// Test results of SqlStore: an execution's totals in test_results, the
// tests it lists (failures, errors, flaky ones) in test_problems, in their
// order. An execution's results are replaced whole, so a batch sent again
// leaves them as they were.
#include "store/workflow_rows.h"

namespace store {

namespace {

const Query kDeleteResults{"DELETE FROM test_results WHERE execution_id = ?"};
const Query kInsertResults{
    "INSERT INTO test_results (execution_id, workflow_id, tests, failures, errors, skipped, flaky, time_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kInsertProblem{
    "INSERT INTO test_problems (execution_id, ordinal, outcome, suite, name, message, failure_type, file_path,"
    " line_number, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kResultsOfWorkflow{
    "SELECT execution_id, tests, failures, errors, skipped, flaky, time_ms FROM test_results"
    " WHERE workflow_id = ? ORDER BY execution_id"};
const Query kProblemsOfWorkflow{
    "SELECT p.execution_id, p.outcome, p.suite, p.name, p.message, p.failure_type, p.file_path, p.line_number,"
    " p.output FROM test_problems p JOIN test_results r ON r.execution_id = p.execution_id"
    " WHERE r.workflow_id = ? ORDER BY p.execution_id, p.ordinal"};

Status check_text(std::string_view what, const std::string& text, std::size_t most) {
  if (text.size() > most) return invalid("a test's " + std::string{what} + " is over " + std::to_string(most) + " bytes");
  return {};
}

}  // namespace

Status check_test_results(const core::TestResults& results) {
  const core::TestTotals& totals = results.totals;
  for (std::int64_t count : {totals.tests, totals.failures, totals.errors, totals.skipped, totals.flaky, totals.time_ms})
    if (count < 0) return invalid("test totals are not negative");
  if (totals.passed() < 0) return invalid("test totals count more failed and skipped tests than tests");
  if (results.problems.size() > core::kMaxListedTests)
    return invalid("at most " + std::to_string(core::kMaxListedTests) + " tests are listed per execution");
  for (const core::TestProblem& problem : results.problems) {
    for (auto [what, text, most] : {std::tuple{"suite", &problem.suite, core::kMaxTestNameBytes},
                                    std::tuple{"name", &problem.name, core::kMaxTestNameBytes},
                                    std::tuple{"message", &problem.message, core::kMaxTestMessageBytes},
                                    std::tuple{"type", &problem.type, core::kMaxTestTypeBytes},
                                    std::tuple{"file", &problem.file, core::kMaxTestFileBytes},
                                    std::tuple{"output", &problem.output, core::kMaxTestOutputBytes}})
      if (auto checked = check_text(what, *text, most); !checked) return checked;
    if (problem.line < 0) return invalid("a test's line is not negative");
  }
  return {};
}

Status replace_test_results(Connection& connection, const std::string& workflow_id, const std::string& execution_id,
                            const core::TestResults& results) {
  // The problems go with their totals (ON DELETE CASCADE).
  if (auto deleted = connection.execute(kDeleteResults, {execution_id}); !deleted) return deleted.error();
  const core::TestTotals& totals = results.totals;
  if (auto inserted = connection.execute(kInsertResults, {execution_id, workflow_id, totals.tests, totals.failures,
                                                          totals.errors, totals.skipped, totals.flaky, totals.time_ms});
      !inserted)
    return inserted.error();
  std::int64_t ordinal = 0;
  for (const core::TestProblem& problem : results.problems) {
    auto inserted = connection.execute(
        kInsertProblem, {execution_id, ++ordinal, core::to_string(problem.outcome), problem.suite,
                         problem.name, problem.message, problem.type, problem.file,
                         static_cast<std::int64_t>(problem.line), problem.output});
    if (!inserted) return inserted.error();
  }
  return {};
}

Result<std::vector<ExecutionTests>> SqlStore::list_test_results(std::string_view workflow_id) {
  auto workflow = checked_id(workflow_id);
  if (!workflow) return workflow.error();
  return with_connection([&](Connection& connection) -> Result<std::vector<ExecutionTests>> {
    std::vector<ExecutionTests> executions;
    auto done = connection.execute(kResultsOfWorkflow, {*workflow}, [&](const Row& row) {
      executions.push_back({std::string{row.text(0)},
                            {{row.integer(1), row.integer(2), row.integer(3), row.integer(4), row.integer(5),
                              row.integer(6)},
                             {}}});
    });
    if (!done) return done.error();
    std::size_t at = 0;  // both are ordered by execution
    done = connection.execute(kProblemsOfWorkflow, {*workflow}, [&](const Row& row) {
      while (at < executions.size() && executions[at].execution_id != row.text(0)) ++at;
      if (at == executions.size()) return;
      executions[at].results.problems.push_back(
          {core::parse_test_outcome(row.text(1)).value_or(core::TestOutcome::Failure), std::string{row.text(2)},
           std::string{row.text(3)}, std::string{row.text(4)}, std::string{row.text(5)}, std::string{row.text(6)},
           static_cast<int>(row.integer(7)), std::string{row.text(8)}});
    });
    if (!done) return done.error();
    return executions;
  });
}

}  // namespace store
