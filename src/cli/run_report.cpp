#include "cli/run_report.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "protocol/protocol.h"

namespace cli {

using core::Status;
using runner::TimePoint;

namespace {

// "2 success, 1 failure" in the order of the state machine.
std::string counts_text(const std::map<Status, int>& counts) {
  std::string text;
  for (const auto& [status, count] : counts)
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + std::string(core::to_string(status));
  return text.empty() ? "none" : text;
}

// Failed executions, also those allowed to fail: their output explains them.
bool worth_reporting(const runner::ExecutionResult& result) {
  return result.status == Status::Failure || result.status == Status::Error;
}

void report_failure(std::ostringstream& out, const core::Plan& plan, runner::ExecutionId id,
                    const runner::ExecutionResult& result, const RunView& view) {
  const auto& spec = plan.pipelines[id.pipeline].stages[id.stage].executions[id.execution];
  out << "  " << status_symbol(result.status) << " " << execution_label(plan, id);
  auto detail = execution_detail(spec, result);
  if (!detail.empty()) out << ": " << detail;
  out << "\n";
  for (const auto& line : view.tail(id)) out << "      " << line << "\n";
}

// Under a pipeline's line: what of it the plan skipped, and why; an
// execution only when its stage ran.
void report_skips(std::ostringstream& out, const core::PipelineSpec& spec, const runner::PipelineResult& pipeline) {
  const std::string skipped = "    " + std::string(status_symbol(Status::Skipped)) + " ";
  for (std::size_t s = 0; s < pipeline.stages.size(); ++s) {
    const auto& stage = pipeline.stages[s];
    if (!stage.skip_reason.empty()) {
      out << skipped << spec.stages[s].name << "  skipped: " << stage.skip_reason << "\n";
      continue;
    }
    for (std::size_t e = 0; e < stage.executions.size(); ++e)
      if (!stage.executions[e].skip_reason.empty())
        out << skipped << spec.stages[s].name << "/" << spec.stages[s].executions[e].name
            << "  skipped: " << stage.executions[e].skip_reason << "\n";
  }
}

constexpr std::size_t kTestsShown = 10;  // failed tests listed under an execution's totals

// "tests/test_a.py:7", "tests/test_a.py" or nothing.
std::string test_place(const core::TestProblem& problem) {
  if (problem.file.empty()) return {};
  return problem.file + (problem.line > 0 ? ":" + std::to_string(problem.line) : "");
}

// An execution's test totals, as `[ci/test/unit] tests: 120 passed, 2 failed,
// 3 skipped`, then its first failed and flaky tests with their messages.
void report_tests(std::ostringstream& out, const core::Plan& plan, runner::ExecutionId id,
                  const core::TestResults& tests) {
  out << "  [" << execution_label(plan, id) << "] tests: " << core::test_totals_text(tests.totals) << "\n";
  for (std::size_t i = 0; i < tests.problems.size() && i < kTestsShown; ++i) {
    const core::TestProblem& problem = tests.problems[i];
    const std::string place = test_place(problem);
    const std::string_view message = std::string_view{problem.message}.substr(0, problem.message.find('\n'));
    out << "      " << core::to_string(problem.outcome) << ": " << problem.suite << (problem.suite.empty() ? "" : " ")
        << problem.name << (place.empty() ? "" : " (" + place + ")") << (message.empty() ? "" : ": ") << message
        << "\n";
  }
  if (tests.problems.size() > kTestsShown)
    out << "      and " << tests.problems.size() - kTestsShown << " more (--json lists them)\n";
}

// The skip reason of a node of the --json tree, when it has one.
void add_skip_reason(nlohmann::json& node, const std::string& reason) {
  if (!reason.empty()) node["skip_reason"] = reason;
}

std::string iso_time(TimePoint time) {
  if (time == TimePoint{}) return {};
  auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  std::time_t t = runner::Clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

void add_times(nlohmann::json& node, TimePoint started, TimePoint finished) {
  node["started"] = started == TimePoint{} ? nullptr : nlohmann::json(iso_time(started));
  node["finished"] = finished == TimePoint{} ? nullptr : nlohmann::json(iso_time(finished));
  if (started != TimePoint{} && finished != TimePoint{})
    node["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(finished - started).count();
}

nlohmann::json execution_json(const core::ExecutionSpec& spec, const runner::ExecutionResult& result) {
  nlohmann::json node{{"name", spec.name},
                      {"status", core::to_string(result.status)},
                      {"attempts", result.attempts},
                      {"timed_out", result.timed_out},
                      {"allow_failure", spec.allow_failure}};
  node["exit_code"] = result.attempts > 0 && result.error.empty() ? nlohmann::json(result.exit_code) : nullptr;
  node["signal"] = result.term_signal != 0 ? nlohmann::json(result.term_signal) : nullptr;
  if (!spec.image.empty()) node["image"] = spec.image;
  if (!result.error.empty()) node["error"] = result.error;
  add_skip_reason(node, result.skip_reason);
  add_times(node, result.started, result.finished);
  if (result.tests) node["tests"] = protocol::to_json(*result.tests);
  return node;
}

nlohmann::json services_json(const core::PipelineSpec& spec, const runner::PipelineResult& pipeline) {
  nlohmann::json services = nlohmann::json::array();
  for (std::size_t s = 0; s < spec.services.size(); ++s) {
    const auto& result = pipeline.services[s];
    nlohmann::json node{{"name", spec.services[s].name}, {"status", core::to_string(result.status)}};
    if (!spec.services[s].image.empty()) node["image"] = spec.services[s].image;
    if (!result.error.empty()) node["error"] = result.error;
    add_times(node, result.started, result.finished);
    services.push_back(std::move(node));
  }
  return services;
}

}  // namespace

std::string run_summary(const core::Plan& plan, const runner::RunResult& result, const RunView& view) {
  std::map<Status, int> pipelines, stages, executions;
  std::ostringstream failures, tests;
  for (std::size_t p = 0; p < result.pipelines.size(); ++p) {
    const auto& pipeline = result.pipelines[p];
    ++pipelines[pipeline.status];
    for (std::size_t s = 0; s < pipeline.stages.size(); ++s) {
      ++stages[pipeline.stages[s].status];
      for (std::size_t e = 0; e < pipeline.stages[s].executions.size(); ++e) {
        const auto& execution = pipeline.stages[s].executions[e];
        ++executions[execution.status];
        if (worth_reporting(execution))
          report_failure(failures, plan, {p, s, e}, execution, view);
        if (execution.tests) report_tests(tests, plan, {p, s, e}, *execution.tests);
      }
    }
  }
  std::ostringstream out;
  out << "\n" << status_symbol(result.status) << " run " << core::to_string(result.status) << " in "
      << duration_text(result.started, result.finished) << "\n";
  out << "  pipelines:  " << counts_text(pipelines) << "\n";
  out << "  stages:     " << counts_text(stages) << "\n";
  out << "  executions: " << counts_text(executions) << "\n";
  out << tests.str();
  for (std::size_t p = 0; p < result.pipelines.size(); ++p) {
    const auto& pipeline = result.pipelines[p];
    out << "  " << status_symbol(pipeline.status) << " " << plan.pipelines[p].name;
    auto duration = duration_text(pipeline.started, pipeline.finished);
    out << (duration.empty() ? "" : "  ") << duration << (pipeline.timed_out ? "  timed out" : "");
    out << (pipeline.error.empty() ? "" : "  " + pipeline.error);
    out << (pipeline.skip_reason.empty() ? "" : "  skipped: ") << pipeline.skip_reason << "\n";
    report_skips(out, plan.pipelines[p], pipeline);
  }
  for (const core::SkippedPipeline& skipped : plan.skipped)
    out << "  " << status_symbol(Status::Skipped) << " " << skipped.name << "  skipped: " << skipped.reason << "\n";
  if (!failures.str().empty()) out << "\nnot successful:\n" << failures.str();
  return out.str();
}

std::string run_json(const core::Plan& plan, const runner::RunResult& result) {
  nlohmann::json root{{"status", core::to_string(result.status)}, {"pipelines", nlohmann::json::array()}};
  add_times(root, result.started, result.finished);
  for (std::size_t p = 0; p < result.pipelines.size(); ++p) {
    const auto& spec = plan.pipelines[p];
    const auto& pipeline = result.pipelines[p];
    nlohmann::json pipeline_node{{"name", spec.name},
                                 {"base_name", spec.base_name},
                                 {"matrix", spec.matrix},
                                 {"depends_on", spec.depends_on},
                                 {"status", core::to_string(pipeline.status)},
                                 {"timed_out", pipeline.timed_out},
                                 {"stages", nlohmann::json::array()}};
    add_skip_reason(pipeline_node, pipeline.skip_reason);
    add_times(pipeline_node, pipeline.started, pipeline.finished);
    if (!pipeline.error.empty()) pipeline_node["error"] = pipeline.error;
    if (!spec.services.empty()) pipeline_node["services"] = services_json(spec, pipeline);
    for (std::size_t s = 0; s < pipeline.stages.size(); ++s) {
      const auto& stage = pipeline.stages[s];
      nlohmann::json stage_node{{"name", spec.stages[s].name},
                                {"status", core::to_string(stage.status)},
                                {"executions", nlohmann::json::array()}};
      add_skip_reason(stage_node, stage.skip_reason);
      add_times(stage_node, stage.started, stage.finished);
      for (std::size_t e = 0; e < stage.executions.size(); ++e)
        stage_node["executions"].push_back(execution_json(spec.stages[s].executions[e], stage.executions[e]));
      pipeline_node["stages"].push_back(std::move(stage_node));
    }
    root["pipelines"].push_back(std::move(pipeline_node));
  }
  root["skipped"] = nlohmann::json::array();
  for (const core::SkippedPipeline& skipped : plan.skipped)
    root["skipped"].push_back({{"name", skipped.name}, {"reason", skipped.reason}});
  return root.dump(2);
}

}  // namespace cli
