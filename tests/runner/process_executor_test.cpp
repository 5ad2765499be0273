// Host executions: exit codes, output, environment, timeouts, cancellation,
// and that nothing an execution started survives it.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <future>
#include <thread>

#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

ExecutionResult run_one(const core::ExecutionSpec& spec, RecordingObserver& observer,
                        const TempDir& dir) {
  core::Plan plan{{pipeline("p", {stage("s", {spec})})}};
  return run(plan, options_in(dir), observer).pipelines[0].stages[0].executions[0];
}

// Processes whose command line contains `marker` (a sleep duration no other
// process uses), ignoring zombies.
std::vector<pid_t> processes_with(const std::string& marker) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream file(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline(std::istreambuf_iterator<char>(file), {});
    pid_t pid = std::stoi(name);
    if (cmdline.find(marker) != std::string::npos && pid != getpid() && process_alive(pid))
      found.push_back(pid);
  }
  return found;
}

// Starts children of every kind that try to outlive the script: a plain
// background one, one ignoring SIGTERM, one in a new session and an orphan.
std::string stubborn_children(const std::string& marker) {
  return "sleep " + marker + " &\n"
         "sh -c 'trap \"\" TERM; sleep " + marker + "; true' &\n"
         "setsid sleep " + marker + " &\n"
         "(sleep " + marker + " &)\n"
         "sleep 0.2\n"
         "echo started\n";
}

TEST(ProcessExecutor, ExitCodesAreKept) {
  TempDir dir;
  RecordingObserver observer;
  EXPECT_EQ(run_one(exec("ok", "true"), observer, dir).exit_code, 0);
  auto failed = run_one(exec("seven", "exit 7"), observer, dir);
  EXPECT_EQ(failed.status, Status::Failure);
  EXPECT_EQ(failed.exit_code, 7);
  EXPECT_EQ(failed.term_signal, 0);
  auto killed = run_one(exec("killed", "kill -KILL $$"), observer, dir);
  EXPECT_EQ(killed.status, Status::Failure);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  EXPECT_EQ(killed.term_signal, SIGKILL);
  // sh -e: the first failing command ends the script.
  auto stopped = run_one(exec("errexit", "false; touch not-reached"), observer, dir);
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "not-reached"));
}

TEST(ProcessExecutor, StdoutAndStderrAreCapturedLineByLine) {
  TempDir dir;
  RecordingObserver observer;
  run_one(exec("talk", "echo one; echo two >&2; printf 'three\\nfour'; printf 'err-partial' >&2"),
          observer, dir);
  EXPECT_EQ(observer.texts(Stream::Stdout), (std::vector<std::string>{"one", "three", "four"}));
  EXPECT_EQ(observer.texts(Stream::Stderr), (std::vector<std::string>{"two", "err-partial"}));
  for (const auto& line : observer.lines) EXPECT_EQ(line.execution, (ExecutionId{0, 0, 0}));
}

TEST(ProcessExecutor, VeryLongLinesAreSplitAt64KiB) {
  TempDir dir;
  RecordingObserver observer;
  run_one(exec("long", "head -c 200000 /dev/zero | tr '\\0' a"), observer, dir);
  auto lines = observer.texts(Stream::Stdout);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].size(), 65536u);
  EXPECT_EQ(lines[3].size(), 200000u - 3 * 65536u);
}

TEST(ProcessExecutor, LargeOutputArrivesComplete) {
  TempDir dir;
  RecordingObserver observer;
  auto result = run_one(exec("flood", "seq 1 200000"), observer, dir);
  EXPECT_EQ(result.status, Status::Success);
  auto lines = observer.texts(Stream::Stdout);
  ASSERT_EQ(lines.size(), 200000u);
  EXPECT_EQ(lines.front(), "1");
  EXPECT_EQ(lines[99999], "100000");
  EXPECT_EQ(lines.back(), "200000");
}

TEST(ProcessExecutor, EnvironmentWorkspaceAndStdin) {
  TempDir dir;
  RecordingObserver observer;
  auto spec = exec("env", "echo \"$FROM_BASE $OWN $SHARED\"; pwd; cat; echo end");
  spec.env = {{"OWN", "own"}, {"SHARED", "from-spec"}};
  core::Plan plan{{pipeline("p", {stage("s", {spec})})}};
  auto options = options_in(dir);
  options.base_env["FROM_BASE"] = "base";
  options.base_env["SHARED"] = "from-base";
  run(plan, options, observer);
  EXPECT_EQ(observer.texts(Stream::Stdout),
            (std::vector<std::string>{"base own from-spec", std::filesystem::canonical(dir.path()).string(), "end"}));
}

TEST(ProcessExecutor, TimeoutKillsTheWholeTreeIncludingStubbornChildren) {
  TempDir dir;
  RecordingObserver observer;
  const std::string marker = "1001.417";
  auto spec = exec("slow", stubborn_children(marker) + "sleep " + marker);
  spec.timeout = std::chrono::milliseconds(1000);
  auto start = std::chrono::steady_clock::now();
  auto result = run_one(spec, observer, dir);
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_EQ(result.status, Status::Failure);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"started"});
  EXPECT_EQ(processes_with(marker), std::vector<pid_t>{});
}

TEST(ProcessExecutor, ChildrenLeftBehindByASuccessfulScriptAreKilled) {
  TempDir dir;
  RecordingObserver observer;
  const std::string marker = "1002.417";
  auto start = std::chrono::steady_clock::now();
  auto result = run_one(exec("leaves", stubborn_children(marker)), observer, dir);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_EQ(processes_with(marker), std::vector<pid_t>{});
}

TEST(ProcessExecutor, AProcessThatEscapesWithThePipesDoesNotHoldTheRunForever) {
  TempDir dir;
  RecordingObserver observer;
  const std::string marker = "1004.417";
  // A new session and an empty environment: neither group nor tag finds it.
  auto spec = exec("escape", "setsid env -i /bin/sleep " + marker + " & sleep 0.2; echo bye");
  auto start = std::chrono::steady_clock::now();
  auto result = run_one(spec, observer, dir);
  EXPECT_LT(seconds_since(start), 6.0);
  EXPECT_EQ(result.status, Status::Success);
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"bye"});
  auto escaped = processes_with(marker);
  EXPECT_EQ(escaped.size(), 1u);
  for (pid_t pid : escaped) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);  // an orphan of ours: this process is a subreaper
  }
}

TEST(ProcessExecutor, PipelineTimeoutStopsWhatRunsAndSkipsTheRest) {
  TempDir dir;
  RecordingObserver observer;
  auto p = pipeline("p", {stage("slow", {exec("a", "sleep 30"), exec("b", "sleep 30")}),
                          stage("after", {exec("c", "touch ran")})});
  p.timeout = std::chrono::milliseconds(1000);
  auto start = std::chrono::steady_clock::now();
  auto result = run(core::Plan{{p}}, options_in(dir), observer);
  EXPECT_LT(seconds_since(start), 5.0);
  const auto& pipeline = result.pipelines[0];
  EXPECT_EQ(pipeline.status, Status::Failure);
  EXPECT_TRUE(pipeline.timed_out);
  EXPECT_TRUE(pipeline.stages[0].executions[0].timed_out);
  EXPECT_EQ(pipeline.stages[1].status, Status::Skipped);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ran"));
}

TEST(ProcessExecutor, CancellationStopsEverythingAndMarksTheRestCancelled) {
  TempDir dir;
  RecordingObserver observer;
  const std::string marker = "1003.417";
  // One job: whichever of the two gets it, the other waits for it in vain.
  auto busy = stubborn_children(marker) + "sleep 30";
  auto first = pipeline("first", {stage("busy", {exec("a", busy), exec("b", busy)}),
                                  stage("later", {exec("c", "touch ran")})});
  auto second = pipeline("second", {stage("s", {exec("d", "touch ran")})});
  second.depends_on = {"first"};
  CancelHandle cancel;
  auto start = std::chrono::steady_clock::now();
  auto running = std::async(std::launch::async, [&] {
    return run_plan(core::Plan{{first, second}}, options_in(dir, 1), observer, cancel);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  cancel.cancel();
  auto result = running.get();
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_EQ(result.status, Status::Cancelled);
  const auto& stages = result.pipelines[0].stages;
  EXPECT_EQ(stages[0].executions[0].status, Status::Cancelled);
  EXPECT_EQ(stages[0].executions[1].status, Status::Cancelled);
  EXPECT_EQ(stages[0].executions[0].attempts + stages[0].executions[1].attempts, 1);
  EXPECT_EQ(stages[1].status, Status::Cancelled);
  EXPECT_EQ(result.pipelines[1].status, Status::Cancelled);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ran"));
  EXPECT_EQ(processes_with(marker), std::vector<pid_t>{});
}

CancelHandle* cancel_from_signal = nullptr;

TEST(ProcessExecutor, CancelWorksFromASignalHandler) {
  TempDir dir;
  RecordingObserver observer;
  CancelHandle cancel;
  cancel_from_signal = &cancel;
  struct sigaction action {};
  action.sa_handler = [](int) { cancel_from_signal->cancel(); };
  sigaction(SIGUSR1, &action, nullptr);
  std::thread signaller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    kill(getpid(), SIGUSR1);
  });
  auto start = std::chrono::steady_clock::now();
  auto result = run_plan(core::Plan{{pipeline("p", {stage("s", {exec("a", "sleep 30")})})}},
                         options_in(dir), observer, cancel);
  signaller.join();
  signal(SIGUSR1, SIG_DFL);
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_EQ(result.pipelines[0].status, Status::Cancelled);
}

}  // namespace
}  // namespace runner
