#include "cli/live_view.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace cli {

using core::Status;
using runner::ExecutionId;
using runner::TimePoint;

std::string execution_label(const core::Plan& plan, ExecutionId id) {
  const auto& pipeline = plan.pipelines[id.pipeline];
  const auto& stage = pipeline.stages[id.stage];
  return pipeline.name + "/" + stage.name + "/" + stage.executions[id.execution].name;
}

std::string output_label(const core::Plan& plan, const runner::OutputLines& output) {
  if (!output.service) return execution_label(plan, output.execution);
  const auto& pipeline = plan.pipelines[output.execution.pipeline];
  return pipeline.name + "/services/" + pipeline.services[*output.service].name;
}

std::string_view status_symbol(Status status) {
  switch (status) {
    case Status::Queued:
    case Status::WaitingForApproval: return "○";
    case Status::Running: return "●";
    case Status::Success: return "✓";
    case Status::Failure: return "✗";
    case Status::Cancelled: return "⊘";
    case Status::Error: return "!";
    case Status::Skipped: return "↷";
  }
  return "?";
}

std::string duration_text(TimePoint started, TimePoint finished) {
  if (started == TimePoint{}) return {};
  auto end = finished == TimePoint{} ? runner::Clock::now() : finished;
  double seconds = std::chrono::duration<double>(end - started).count();
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", seconds);
  return text;
}

std::string execution_detail(const core::ExecutionSpec& spec, const runner::ExecutionResult& result) {
  std::string detail;
  auto add = [&detail](const std::string& part) { detail += (detail.empty() ? "" : ", ") + part; };
  if (result.status == Status::Running && spec.retry > 0)
    add("attempt " + std::to_string(result.attempts) + "/" + std::to_string(spec.retry + 1));
  if (!core::is_final(result.status)) return detail;
  if (!result.skip_reason.empty()) add(result.skip_reason);
  if (result.timed_out) add("timed out");
  if (!result.error.empty()) add(result.error);
  if (result.term_signal != 0 && !result.timed_out)
    add("killed by signal " + std::to_string(result.term_signal));
  else if (result.exit_code > 0 && !result.timed_out)
    add("exit " + std::to_string(result.exit_code));
  if (result.attempts > 1) add(std::to_string(result.attempts) + " attempts");
  if (result.status == Status::Failure && spec.allow_failure) add("allowed to fail");
  return detail;
}

std::deque<std::string> RunView::tail(ExecutionId id) const {
  auto found = tails_.find({id.pipeline, id.stage, id.execution});
  return found == tails_.end() ? std::deque<std::string>{} : found->second;
}

void RunView::remember(const runner::OutputLines& output) {
  if (output.service) return;
  const auto& id = output.execution;
  auto& tail = tails_[{id.pipeline, id.stage, id.execution}];
  auto lines = output.lines.last(std::min(output.lines.size(), kTailLines));
  tail.insert(tail.end(), lines.begin(), lines.end());
  while (tail.size() > kTailLines) tail.pop_front();
}

namespace {

const char* color_of(Status status) {
  switch (status) {
    case Status::Success: return "\x1b[32m";
    case Status::Failure:
    case Status::Error: return "\x1b[31m";
    case Status::Running: return "\x1b[33m";
    default: return "\x1b[2m";
  }
}

// Plain lines for logs and pipes: nothing is redrawn.
class PlainView : public RunView {
 public:
  PlainView(const core::Plan& plan, std::FILE* out) : RunView(plan), out_(out) {}

  void pipeline_changed(std::size_t p, const runner::PipelineResult& result) override {
    if (result.status == Status::Queued) return;
    std::string detail = result.timed_out ? ", timed out" : "";
    if (core::is_final(result.status) && !result.error.empty()) detail += ": " + result.error;
    if (!result.skip_reason.empty()) detail += " (" + result.skip_reason + ")";
    std::fprintf(out_, "pipeline %s: %s%s\n", plan_.pipelines[p].name.c_str(),
                 std::string(core::to_string(result.status)).c_str(), detail.c_str());
    std::fflush(out_);
  }
  // Stages show through their executions, but for why one was skipped.
  void stage_changed(std::size_t p, std::size_t s, const runner::StageResult& result) override {
    if (result.skip_reason.empty()) return;
    std::fprintf(out_, "stage %s/%s: skipped (%s)\n", plan_.pipelines[p].name.c_str(),
                 plan_.pipelines[p].stages[s].name.c_str(), result.skip_reason.c_str());
    std::fflush(out_);
  }
  void execution_changed(ExecutionId id, const runner::ExecutionResult& result) override {
    const auto& spec = plan_.pipelines[id.pipeline].stages[id.stage].executions[id.execution];
    std::string text = std::string(status_symbol(result.status)) + " " +
                       std::string(core::to_string(result.status));
    auto detail = execution_detail(spec, result);
    if (!detail.empty()) text += " (" + detail + ")";
    if (core::is_final(result.status) && result.started != TimePoint{})
      text += " in " + duration_text(result.started, result.finished);
    std::fprintf(out_, "[%s] %s\n", execution_label(plan_, id).c_str(), text.c_str());
    std::fflush(out_);
  }
  void service_changed(std::size_t p, std::size_t s, const runner::ExecutionResult& result) override {
    if (result.status == Status::Queued) return;
    std::string text = std::string(status_symbol(result.status)) + " " + std::string(core::to_string(result.status));
    if (!result.error.empty()) text += " (" + result.error + ")";
    const auto& pipeline = plan_.pipelines[p];
    std::fprintf(out_, "[%s/services/%s] %s\n", pipeline.name.c_str(), pipeline.services[s].name.c_str(),
                 text.c_str());
    std::fflush(out_);
  }
  void output(const runner::OutputLines& output) override {
    remember(output);
    auto label = output_label(plan_, output);
    for (auto line : output.lines)
      std::fprintf(out_, "[%s] %.*s\n", label.c_str(), static_cast<int>(line.size()), line.data());
  }
  void finish() override { std::fflush(out_); }

 private:
  std::FILE* out_;
};

// The tree, redrawn in place below the output. Observer calls and the
// ticker (which keeps running times current) share one lock.
class LiveView : public RunView {
 public:
  LiveView(const core::Plan& plan, std::FILE* out) : RunView(plan), out_(out) {
    for (const auto& pipeline : plan.pipelines) {
      auto& result = tree_.emplace_back();
      result.services.resize(pipeline.services.size());
      for (const auto& stage : pipeline.stages)
        result.stages.emplace_back().executions.resize(stage.executions.size());
    }
    ticker_ = std::thread([this] { tick(); });
  }
  ~LiveView() override { stop_ticker(); }

  void pipeline_changed(std::size_t p, const runner::PipelineResult& result) override {
    std::lock_guard lock(mutex_);
    auto stages = std::move(tree_[p].stages);
    auto services = std::move(tree_[p].services);
    tree_[p] = result;
    tree_[p].stages = std::move(stages);
    tree_[p].services = std::move(services);
    redraw();
  }
  void stage_changed(std::size_t p, std::size_t s, const runner::StageResult& result) override {
    std::lock_guard lock(mutex_);
    auto executions = std::move(tree_[p].stages[s].executions);
    tree_[p].stages[s] = result;
    tree_[p].stages[s].executions = std::move(executions);
    redraw();
  }
  void execution_changed(ExecutionId id, const runner::ExecutionResult& result) override {
    std::lock_guard lock(mutex_);
    tree_[id.pipeline].stages[id.stage].executions[id.execution] = result;
    redraw();
  }
  void service_changed(std::size_t p, std::size_t s, const runner::ExecutionResult& result) override {
    std::lock_guard lock(mutex_);
    tree_[p].services[s] = result;
    redraw();
  }
  void output(const runner::OutputLines& output) override {
    remember(output);
    std::lock_guard lock(mutex_);
    erase();
    auto label = output_label(plan_, output);
    for (auto line : output.lines)
      std::fprintf(out_, "\x1b[2m[%s]\x1b[0m %.*s\n", label.c_str(), static_cast<int>(line.size()),
                   line.data());
    // A flood of output would spend its time redrawing: the ticker catches up.
    if (std::chrono::steady_clock::now() - last_draw_ > kRedrawEvery) draw();
  }
  void finish() override {
    stop_ticker();
    std::lock_guard lock(mutex_);
    redraw();
  }

 private:
  static constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

  void tick() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      ticked_.wait_for(lock, kRedrawEvery);
      if (!stopping_) redraw();
    }
  }
  void stop_ticker() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    ticked_.notify_all();
    ticker_.join();
  }
  void redraw() {
    erase();
    draw();
  }
  void erase() {
    if (drawn_lines_ > 0) std::fprintf(out_, "\x1b[%zuF\x1b[J", drawn_lines_);
    drawn_lines_ = 0;
  }
  void draw();
  std::string line(int depth, Status status, const std::string& name, TimePoint started,
                   TimePoint finished, const std::string& detail) const;

  std::FILE* out_;
  std::mutex mutex_;
  std::condition_variable ticked_;
  bool stopping_ = false;
  std::thread ticker_;
  std::vector<runner::PipelineResult> tree_;
  std::size_t drawn_lines_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

winsize terminal_size(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) {
    size.ws_col = 80;
    size.ws_row = 24;
  }
  return size;
}

// Cuts to `columns` characters (UTF-8 aware; every character one column), so
// that no line wraps and the count of lines to erase stays right.
std::string fit(const std::string& text, std::size_t columns) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (seen++ == columns) return text.substr(0, i);
  }
  return text;
}

std::string LiveView::line(int depth, Status status, const std::string& name, TimePoint started,
                           TimePoint finished, const std::string& detail) const {
  std::string text = std::string(depth * 2, ' ') + std::string(status_symbol(status)) + " " + name;
  auto duration = duration_text(started, finished);
  if (!duration.empty()) text += "  " + duration;
  if (!detail.empty()) text += "  " + detail;
  return text;
}

void LiveView::draw() {
  std::vector<std::pair<Status, std::string>> lines;
  for (std::size_t p = 0; p < tree_.size(); ++p) {
    const auto& pipeline = tree_[p];
    const auto& pipeline_spec = plan_.pipelines[p];
    const std::string& detail = pipeline.timed_out        ? "timed out"
                                : pipeline.error.empty() ? pipeline.skip_reason
                                                         : pipeline.error;
    lines.emplace_back(pipeline.status,
                       line(0, pipeline.status, pipeline_spec.name, pipeline.started, pipeline.finished, detail));
    if (!pipeline.services.empty()) lines.emplace_back(Status::Queued, line(1, Status::Queued, "services", {}, {}, ""));
    for (std::size_t s = 0; s < pipeline.services.size(); ++s) {
      const auto& service = pipeline.services[s];
      lines.emplace_back(service.status, line(2, service.status, pipeline_spec.services[s].name, service.started,
                                              service.finished, service.error));
    }
    for (std::size_t s = 0; s < pipeline.stages.size(); ++s) {
      const auto& stage = pipeline.stages[s];
      lines.emplace_back(stage.status, line(1, stage.status, pipeline_spec.stages[s].name, stage.started,
                                            stage.finished, stage.skip_reason));
      for (std::size_t e = 0; e < stage.executions.size(); ++e) {
        const auto& execution = stage.executions[e];
        const auto& spec = pipeline_spec.stages[s].executions[e];
        lines.emplace_back(execution.status, line(2, execution.status, spec.name, execution.started,
                                                  execution.finished, execution_detail(spec, execution)));
      }
    }
  }
  // Lines scrolled off the top can no longer be erased: keep the tree
  // within the screen.
  auto size = terminal_size(out_);
  std::size_t rows = size.ws_row > 2 ? size.ws_row - 2u : 1u;
  if (lines.size() > rows) {
    auto hidden = lines.size() - rows + 1;
    lines.resize(rows - 1);
    lines.emplace_back(Status::Queued, "… " + std::to_string(hidden) + " more");
  }
  std::size_t width = size.ws_col - 1u;
  for (const auto& [status, text] : lines)
    std::fprintf(out_, "%s%s\x1b[0m\n", color_of(status), fit(text, width).c_str());
  std::fflush(out_);
  drawn_lines_ = lines.size();
  last_draw_ = std::chrono::steady_clock::now();
}

}  // namespace

std::unique_ptr<RunView> make_run_view(const core::Plan& plan, std::FILE* out, bool live) {
  if (live) return std::make_unique<LiveView>(plan, out);
  return std::make_unique<PlainView>(plan, out);
}

}  // namespace cli
