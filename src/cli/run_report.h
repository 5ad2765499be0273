// What `factory run` prints once a run is over: the summary (counts by
// status, each execution's test totals, duration, the last output lines of
// what failed) and, with --json,
// the result tree as JSON.
#pragma once

#include <string>

#include "cli/live_view.h"
#include "core/plan.h"
#include "runner/runner.h"

namespace cli {

std::string run_summary(const core::Plan& plan, const runner::RunResult& result, const RunView& view);

// {"status", "started", "finished", "duration_ms", "pipelines": [{"name",
// "status", "timed_out", "error"?, "services"?: [{"name", "status", "image"?,
// "error"?, ...}], "stages": [{"name", "status", "executions": [{"name",
// "status", "exit_code", "signal", "attempts", "timed_out", "error", "tests"?:
// {"totals", "problems"} as the REST API shows them, ...}]}]}],
// "skipped": [{"name", "reason"}]}: the pipelines the event's filters left
// out, and the matrix combinations `exclude` did. A pipeline, stage or
// execution the plan skipped has "skip_reason" ("when: ... is false").
std::string run_json(const core::Plan& plan, const runner::RunResult& result);

}  // namespace cli
