// Output capture: live delivery while the execution still runs, both streams
// complete under load, and a large output byte for byte.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "runner/line_splitter.h"
#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using namespace runner::testing;

ExecutionResult run_one(const core::ExecutionSpec& spec, Observer& observer, const TempDir& dir,
                        const core::SecretMask& mask = {}) {
  core::Plan plan{{pipeline("p", {stage("s", {spec})})}};
  CancelHandle cancel;
  Options options = options_in(dir);
  options.mask = mask;
  return run_plan(plan, options, observer, cancel).pipelines[0].stages[0].executions[0];
}

// Each line the execution prints is its wall-clock time in nanoseconds
// (`date +%s%N`); records how long each took to reach the observer.
class LatencyObserver : public RecordingObserver {
 public:
  void output(const OutputLines& output) override {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    for (auto line : output.lines)
      delays.push_back(now - std::chrono::nanoseconds(std::stoll(std::string(line))));
  }
  std::vector<std::chrono::nanoseconds> delays;
};

TEST(OutputCapture, ALineReachesTheObserverWhileTheProcessStillRuns) {
  TempDir dir;
  LatencyObserver observer;
  // Two lines, 300 ms apart, then the script goes on for another second: the
  // lines must not wait for the pipe to fill or for the end of the script.
  run_one(exec("live", "date +%s%N; sleep 0.3; date +%s%N; sleep 1"), observer, dir);
  ASSERT_EQ(observer.delays.size(), 2u);
  for (auto delay : observer.delays) EXPECT_LT(delay, std::chrono::milliseconds(100));
}

TEST(OutputCapture, BothStreamsWrittenAtOnceArriveComplete) {
  TempDir dir;
  RecordingObserver observer;
  run_one(exec("both", "seq 1 100000 >&2 & seq 1 100000; wait"), observer, dir);
  for (auto stream : {Stream::Stdout, Stream::Stderr}) {
    auto lines = observer.texts(stream);
    ASSERT_EQ(lines.size(), 100000u);
    for (std::size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i], std::to_string(i + 1));
  }
}

TEST(OutputCapture, TenMegabytesArriveExactly) {
  TempDir dir;
  RecordingObserver observer;
  auto result =
      run_one(exec("flood", "head -c 10000000 /dev/zero | tr '\\0' x | fold -w 100"), observer, dir);
  EXPECT_EQ(result.status, core::Status::Success);
  auto lines = observer.texts(Stream::Stdout);
  ASSERT_EQ(lines.size(), 100000u);
  for (const auto& line : lines) ASSERT_EQ(line, std::string(100, 'x'));
  EXPECT_TRUE(observer.texts(Stream::Stderr).empty());
}

// The secret comes right after 65,530 bytes, in a write of its own: the
// observer sees it hidden whole, never as the two halves the 64 KiB cut
// would make of it, on both streams.
TEST(OutputCapture, ASecretAcrossTheLineCutIsMaskedWhole) {
  TempDir dir;
  RecordingObserver observer;
  const core::SecretMask mask{{{"TOKEN", "s3cr3t-value-1234"}}};
  const std::string print = "head -c 65530 /dev/zero | tr '\\0' a; echo s3cr3t-value-1234 and more";
  auto result = run_one(exec("leak", print + "; (" + print + ") >&2"), observer, dir, mask);
  EXPECT_EQ(result.status, core::Status::Success);
  for (auto stream : {Stream::Stdout, Stream::Stderr}) {
    const auto lines = observer.texts(stream);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].size(), LineSplitter::kMaxLine);
    EXPECT_EQ(lines[0] + lines[1], std::string(65530, 'a') + "*** and more");
  }
}

}  // namespace
}  // namespace runner
