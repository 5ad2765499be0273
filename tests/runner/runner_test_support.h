// Shared by the runner tests: building plans tersely, a temporary workspace,
// and an observer that records everything it is told.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runner/runner.h"
#include "temp_dir.h"

namespace runner::testing {

inline core::ExecutionSpec exec(std::string name, std::string run) {
  core::ExecutionSpec spec;
  spec.name = std::move(name);
  spec.run = std::move(run);
  return spec;
}

inline core::StageSpec stage(std::string name, std::vector<core::ExecutionSpec> executions) {
  return core::StageSpec{std::move(name), std::move(executions)};
}

inline core::PipelineSpec pipeline(std::string name, std::vector<core::StageSpec> stages) {
  core::PipelineSpec spec;
  spec.name = name;
  spec.base_name = std::move(name);
  spec.stages = std::move(stages);
  return spec;
}

using testpaths::TempDir;

struct RecordedLine {
  ExecutionId execution;
  Stream stream;
  std::string text;
  std::optional<std::size_t> service;
};

// The runner serializes observer calls, so plain containers are enough.
class RecordingObserver : public Observer {
 public:
  void pipeline_changed(std::size_t pipeline, const PipelineResult& result) override {
    events.push_back("pipeline " + std::to_string(pipeline) + " " + std::string(core::to_string(result.status)));
  }
  void stage_changed(std::size_t pipeline, std::size_t stage, const StageResult& result) override {
    events.push_back("stage " + std::to_string(pipeline) + "." + std::to_string(stage) + " " +
                     std::string(core::to_string(result.status)));
  }
  void execution_changed(ExecutionId id, const ExecutionResult& result) override {
    events.push_back("execution " + std::to_string(id.pipeline) + "." + std::to_string(id.stage) + "." +
                     std::to_string(id.execution) + " " + std::string(core::to_string(result.status)));
  }
  void service_changed(std::size_t pipeline, std::size_t service, const ExecutionResult& result) override {
    events.push_back("service " + std::to_string(pipeline) + "." + std::to_string(service) + " " +
                     std::string(core::to_string(result.status)));
  }
  void output(const OutputLines& output) override {
    for (auto text : output.lines)
      lines.push_back({output.execution, output.stream, std::string(text), output.service});
  }

  // Lines of executions only, of one stream.

  std::vector<std::string> texts(Stream stream) const {
    std::vector<std::string> out;
    for (const auto& line : lines)
      if (line.stream == stream) out.push_back(line.text);
    return out;
  }

  std::vector<std::string> events;
  std::vector<RecordedLine> lines;
};

// Runs a plan with a cancel handle nobody triggers.
inline RunResult run(const core::Plan& plan, const Options& options, RecordingObserver& observer) {
  CancelHandle cancel;
  return run_plan(plan, options, observer, cancel);
}

inline Options options_in(const TempDir& dir, std::size_t jobs = 4) {
  Options options;
  options.workspace = dir.path().string();
  options.jobs = jobs;
  options.base_env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  options.kill_grace = std::chrono::milliseconds(500);
  // These tests watch an execution's processes from outside (pids, files
  // beside the workspace); sandbox_test.cpp runs them in the sandbox.
  options.isolation = Isolation::None;
  return options;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A process is gone when it does not exist or is a zombie nobody reaped yet.
inline bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  auto state = text.substr(text.rfind(')') + 2, 1);
  return state != "Z" && state != "X";
}

}  // namespace runner::testing
