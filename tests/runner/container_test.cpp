// Executions with an image, through podman and a busybox image built here
// (no registry is reachable, so the image is imported from a local rootfs).
#include <gtest/gtest.h>

#include <cstdlib>

#include "busybox_image.h"
#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

const std::string& kImage = testpaths::kBusyboxImage;

int shell(const std::string& command) { return std::system(command.c_str()); }

class ContainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(testpaths::ensure_busybox_image()) << "podman, runc and busybox-static come from scripts/setup.sh";
  }

  ExecutionResult run_in_image(core::ExecutionSpec spec, const Options& options) {
    spec.image = kImage;
    CancelHandle cancel;
    auto result = run_plan(core::Plan{{pipeline("p", {stage("s", {spec})})}}, options, observer, cancel);
    return result.pipelines[0].stages[0].executions[0];
  }

  TempDir dir;
  RecordingObserver observer;
};

TEST_F(ContainerTest, RunsInTheImageWithWorkspaceAndEnvironment) {
  auto spec = exec("inside", "echo \"$GREETING from $(cat /etc/os-release 2>/dev/null || echo busybox)\"; "
                             "pwd; echo made > made.txt; echo oops >&2; exit 4");
  spec.env = {{"GREETING", "hello"}};
  auto result = run_in_image(spec, options_in(dir));
  EXPECT_EQ(result.status, Status::Failure) << result.error;
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_EQ(observer.texts(Stream::Stdout),
            (std::vector<std::string>{"hello from busybox", dir.path().string()}));
  EXPECT_EQ(observer.texts(Stream::Stderr), std::vector<std::string>{"oops"});
  EXPECT_EQ(dir.read("made.txt"), "made\n");
}

TEST_F(ContainerTest, TimeoutKillsTheContainerNotJustTheClient) {
  auto spec = exec("slow", "trap '' TERM; echo up; sleep 1005.417");
  spec.timeout = std::chrono::milliseconds(1500);
  auto start = std::chrono::steady_clock::now();
  auto result = run_in_image(spec, options_in(dir));
  EXPECT_LT(seconds_since(start), 20.0);
  EXPECT_EQ(result.status, Status::Failure);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"up"});
  EXPECT_NE(shell("pgrep -f 'sleep 1005[.]417' >/dev/null"), 0);
  EXPECT_NE(shell("podman ps -a --format '{{.Image}}' | grep -q factory-runner-test"), 0);
}

TEST_F(ContainerTest, MissingRuntimeIsAClearErrorNamingTheExecution) {
  const std::string saved_path = std::getenv("PATH");
  setenv("PATH", dir.path().c_str(), 1);  // nothing to find there
  auto spec = exec("build", "make");
  spec.image = "gcc:13";
  CancelHandle cancel;
  auto result = run_plan(core::Plan{{pipeline("p", {stage("s", {spec})})}}, options_in(dir), observer, cancel);
  setenv("PATH", saved_path.c_str(), 1);
  const auto& execution = result.pipelines[0].stages[0].executions[0];
  EXPECT_EQ(execution.status, Status::Error);
  EXPECT_EQ(execution.error,
            "execution 'build' asks for image gcc:13 but neither podman nor docker is installed");
  EXPECT_EQ(result.status, Status::Failure);
}

}  // namespace
}  // namespace runner
