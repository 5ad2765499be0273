// Output capture cost: an execution printing 100 MB, captured line by line
// through the Observer, against the same command writing to /dev/null.
// Acceptance: capture slows the run by less than 10%.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>

#include "runner/runner.h"

namespace {

// 100 MB of 96-byte lines; `yes` is fast enough that the capture, not
// the producer, is what differs between the two benchmarks.
const std::string kProducer =
    "yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    " | head -c 100000000";
const std::string kFoldProducer = "head -c 100000000 /dev/zero | tr '\\0' x | fold -w 100";

class CountingObserver : public runner::Observer {
 public:
  void pipeline_changed(std::size_t, const runner::PipelineResult&) override {}
  void stage_changed(std::size_t, std::size_t, const runner::StageResult&) override {}
  void execution_changed(runner::ExecutionId, const runner::ExecutionResult&) override {}
  void output(const runner::OutputLines& output) override {
    for (auto line : output.lines) bytes += line.size() + 1;
    lines += output.lines.size();
  }
  std::size_t bytes = 0, lines = 0;
};

// CPU time used so far by this process (the runner's threads) or by its
// reaped descendants (the command's processes). On a busy machine wall time
// follows the other jobs; CPU time shows who does the work.
double cpu_ms(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

void run_command(benchmark::State& state, const std::string& command) {
  char pattern[] = "/tmp/factory-bench-XXXXXX";
  std::string workspace = mkdtemp(pattern);
  core::ExecutionSpec spec;
  spec.name = "print";
  spec.run = command;
  core::Plan plan{{core::PipelineSpec{"p", "p", {}, {}, {}, {core::StageSpec{"s", {spec}}}}}};
  runner::Options options;
  options.workspace = workspace;
  options.base_env = {{"PATH", "/usr/bin:/bin"}};
  CountingObserver observer;
  double runner_start = cpu_ms(RUSAGE_SELF), command_start = cpu_ms(RUSAGE_CHILDREN);
  for (auto _ : state) {
    runner::CancelHandle cancel;
    auto result = runner::run_plan(plan, options, observer, cancel);
    if (result.status != core::Status::Success) state.SkipWithError("the command failed");
  }
  auto per_run = [&](double ms) { return benchmark::Counter(ms / static_cast<double>(state.iterations())); };
  state.counters["runner_cpu_ms"] = per_run(cpu_ms(RUSAGE_SELF) - runner_start);
  state.counters["command_cpu_ms"] = per_run(cpu_ms(RUSAGE_CHILDREN) - command_start);
  state.counters["captured_MB"] =
      benchmark::Counter(static_cast<double>(observer.bytes) / 1e6 / state.iterations());
  state.counters["captured_lines"] =
      benchmark::Counter(static_cast<double>(observer.lines) / state.iterations());
  std::filesystem::remove_all(workspace);
}

void BM_YesCaptured(benchmark::State& state) { run_command(state, kProducer); }
void BM_YesToDevNull(benchmark::State& state) { run_command(state, kProducer + " > /dev/null"); }
void BM_YesThroughCat(benchmark::State& state) { run_command(state, kProducer + " | cat > /dev/null"); }
void BM_FoldCaptured(benchmark::State& state) { run_command(state, kFoldProducer); }
void BM_FoldThroughCat(benchmark::State& state) { run_command(state, kFoldProducer + " | cat > /dev/null"); }
void BM_FoldToDevNull(benchmark::State& state) { run_command(state, kFoldProducer + " > /dev/null"); }

BENCHMARK(BM_YesCaptured)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_YesToDevNull)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_YesThroughCat)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_FoldCaptured)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_FoldToDevNull)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_FoldThroughCat)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5)->Repetitions(3)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
