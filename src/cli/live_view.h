// How `factory run` shows a run while it happens. On a terminal: the tree of
// pipelines → stages → executions with status symbols and running times,
// redrawn in place (a pipeline's services first), and output lines,
// prefixed with their execution or service, printed above it. Elsewhere: plain "[pipeline/stage/exec] text" lines and a line
// per status change. Both keep the last output lines of every execution for
// the summary.
#pragma once

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include "core/plan.h"
#include "runner/runner.h"

namespace cli {

// "pipeline/stage/exec", the name an execution goes by in output.
std::string execution_label(const core::Plan& plan, runner::ExecutionId id);
// The same for output lines: "pipeline/services/db" for a service's.
std::string output_label(const core::Plan& plan, const runner::OutputLines& output);
// ✓ ✗ ● … one symbol per status.
std::string_view status_symbol(core::Status status);
// "1.2s" from start to finish, or to now while it runs; empty if it never ran.
std::string duration_text(runner::TimePoint started, runner::TimePoint finished);
// What the execution's status leaves unsaid: "exit 7", "timed out", ...
std::string execution_detail(const core::ExecutionSpec& spec, const runner::ExecutionResult& result);

class RunView : public runner::Observer {
 public:
  static constexpr std::size_t kTailLines = 10;

  explicit RunView(const core::Plan& plan) : plan_(plan) {}
  // Called once run_plan returned: the final picture.
  virtual void finish() {}
  // The last output lines of an execution (at most kTailLines); services'
  // lines are not kept.
  std::deque<std::string> tail(runner::ExecutionId id) const;

 protected:
  void remember(const runner::OutputLines& output);
  const core::Plan& plan_;

 private:
  std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::deque<std::string>> tails_;
};

// `live`: the redrawn tree (out must be a terminal); otherwise plain lines.
std::unique_ptr<RunView> make_run_view(const core::Plan& plan, std::FILE* out, bool live);

}  // namespace cli
