// The bubblewrap sandbox of host executions: the command it makes, the
// environment builds get, and what a script inside it can and cannot reach
// (run for real through run_plan).
#include "runner/sandbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>

#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

bool has_sequence(const std::vector<std::string>& argv, const std::vector<std::string>& words) {
  return std::search(argv.begin(), argv.end(), words.begin(), words.end()) != argv.end();
}

TEST(SandboxCommand, BindsTheSystemReadOnlyAndOnlyTheWorkspaceWritable) {
  const Sandbox sandbox{"/usr/bin/bwrap", {{"/usr", ""}, {"/bin", "usr/bin"}, {"/etc", ""}}};
  const auto argv = sandbox_command(sandbox, "/work/ws", {"/bin/sh", "-e", "-c", "make"});
  EXPECT_EQ(argv.front(), "/usr/bin/bwrap");
  EXPECT_TRUE(has_sequence(argv, {"--unshare-all", "--share-net", "--unshare-user", "--cap-drop", "ALL"}));
  EXPECT_TRUE(has_sequence(argv, {"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(has_sequence(argv, {"--symlink", "usr/bin", "/bin"}));
  EXPECT_TRUE(has_sequence(argv, {"--ro-bind", "/etc", "/etc"}));
  EXPECT_TRUE(has_sequence(argv, {"--proc", "/proc"}));
  EXPECT_TRUE(has_sequence(argv, {"--tmpfs", "/tmp", "--dir", kSandboxHome}));
  EXPECT_TRUE(has_sequence(argv, {"--bind", "/work/ws", "/work/ws", "--chdir", "/work/ws", "--", "/bin/sh", "-e",
                                  "-c", "make"}));
  // Nothing but the workspace is bound writable, and the root is not bound at all.
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--bind"), 1);
  EXPECT_FALSE(has_sequence(argv, {"--ro-bind", "/", "/"}));
  // The environment is the one the sandbox is started with, not cleared or set by bwrap.
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--setenv"), 0);
}

TEST(SandboxCommand, SystemPathsLeaveOutWhereDataLives) {
  const auto paths = system_paths();
  const auto listed = [&](const std::string& path) {
    return std::any_of(paths.begin(), paths.end(), [&](const auto& each) { return each.path == path; });
  };
  EXPECT_TRUE(listed("/usr"));
  EXPECT_TRUE(listed("/etc"));
  for (const char* hidden : {"/", "/home", "/root", "/var", "/run", "/tmp", "/srv", "/mnt", "/work"})
    EXPECT_FALSE(listed(hidden)) << hidden;
}

TEST(SandboxEnvironment, OnlyAllowedVariablesOfTheHostPass) {
  setenv("FACTORY_TEST_CANARY", "canary-value", 1);
  setenv("PGPASSWORD", "database-password", 1);
  setenv("FACTORY_AGENT_TOKEN", "agent-token", 1);
  setenv("LC_TIME", "C", 1);
  const core::Env env = allowed_host_environment();
  unsetenv("FACTORY_TEST_CANARY");
  unsetenv("PGPASSWORD");
  unsetenv("FACTORY_AGENT_TOKEN");
  EXPECT_EQ(env.count("FACTORY_TEST_CANARY"), 0u);
  EXPECT_EQ(env.count("PGPASSWORD"), 0u);
  EXPECT_EQ(env.count("FACTORY_AGENT_TOKEN"), 0u);
  EXPECT_EQ(env.at("LC_TIME"), "C");
  EXPECT_EQ(env.count("PATH"), 1u);
  for (const auto& [name, value] : env)
    EXPECT_TRUE(name == "PATH" || name == "HOME" || name == "USER" || name == "LOGNAME" || name == "LANG" ||
                name == "TERM" || name == "TZ" || name == "TMPDIR" || name.starts_with("LC_"))
        << name;
}

class SandboxRun : public ::testing::Test {
 protected:
  // One execution of `script` in `workspace`; its result, its output in `observer`.
  ExecutionResult run_script(const std::string& script, Isolation isolation = Isolation::Sandbox,
                             std::chrono::milliseconds timeout = {}) {
    auto options = options_in(workspace);
    options.isolation = isolation;
    options.base_env["FROM_BASE"] = "base";
    auto spec = exec("probe", script);
    spec.env = {{"OWN", "own"}};
    spec.timeout = timeout;
    auto result = run(core::Plan{{pipeline("p", {stage("s", {spec})})}}, options, observer);
    return result.pipelines[0].stages[0].executions[0];
  }
  std::string stdout_text() const {
    std::string text;
    for (const auto& line : observer.texts(Stream::Stdout)) text += line + "\n";
    return text;
  }

  TempDir outside;  // the workspace's surroundings: what a build must not see
  TempDir workspace;
  RecordingObserver observer;
};

TEST_F(SandboxRun, SeesItsWorkspaceAndNothingAroundIt) {
  std::ofstream(outside.path() / "secret") << "outside-secret\n";
  const std::string secret = (outside.path() / "secret").string();
  auto result = run_script(
      "echo \"pwd=$(pwd)\"; echo made > made.txt; "
      "cat " + secret + " || echo no-outside; "
      "test -e " + outside.path().string() + " || echo no-outside-dir; "
      "test -e /home || test -e /root || test -e /var/lib || echo no-home-root-var; "
      "touch /usr/x 2>/dev/null || echo usr-read-only; "
      "echo \"home=$HOME tmpdir=$TMPDIR base=$FROM_BASE own=$OWN\"; echo h > $HOME/h && echo home-writable; "
      "echo \"processes=$(ls /proc | grep -c '^[0-9]')\"");
  ASSERT_EQ(result.status, Status::Success) << result.error;
  const std::string text = stdout_text();
  EXPECT_NE(text.find("pwd=" + workspace.path().string() + "\n"), std::string::npos) << text;
  EXPECT_EQ(workspace.read("made.txt"), "made\n");
  EXPECT_EQ(text.find("outside-secret"), std::string::npos) << text;
  for (const char* expected : {"no-outside\n", "no-outside-dir\n", "no-home-root-var\n", "usr-read-only\n",
                               "home=/tmp/home tmpdir=/tmp base=base own=own\n", "home-writable\n"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
  // Its own PID namespace: bwrap's init, the shell, ls and grep at most.
  const auto at = text.find("processes=");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LE(std::stoi(text.substr(at + 10)), 5) << text;
}

TEST_F(SandboxRun, UnsandboxedSeesWhatItsUserSees) {
  std::ofstream(outside.path() / "secret") << "outside-secret\n";
  auto result = run_script("cat " + (outside.path() / "secret").string(), Isolation::None);
  ASSERT_EQ(result.status, Status::Success) << result.error;
  EXPECT_EQ(stdout_text(), "outside-secret\n");
}

TEST_F(SandboxRun, ATimeoutStillGivesTheGraceAndKillsEverythingInside) {
  const std::string marker = "4242.5";  // a sleep only this test runs
  auto started = std::chrono::steady_clock::now();
  auto result = run_script("trap 'echo got-term; exit 3' TERM; (trap '' TERM; exec sleep " + marker +
                               ") & sleep " + marker + " & wait",
                           Isolation::Sandbox, std::chrono::milliseconds(500));
  EXPECT_EQ(result.status, Status::Failure) << result.error;
  EXPECT_TRUE(result.timed_out);
  EXPECT_LT(seconds_since(started), 10.0);
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"got-term"});
  EXPECT_NE(std::system(("pgrep -f '[s]leep " + marker + "' >/dev/null").c_str()), 0) << "a sleep survived";
}

TEST_F(SandboxRun, WithoutBwrapTheExecutionFailsSayingHowToFixIt) {
  const std::string path = std::getenv("PATH");
  setenv("PATH", outside.path().c_str(), 1);  // bwrap is nowhere on it
  auto result = run_script("echo ran");
  setenv("PATH", path.c_str(), 1);
  EXPECT_EQ(result.status, Status::Error);
  EXPECT_TRUE(observer.texts(Stream::Stdout).empty());
  EXPECT_NE(result.error.find("execution 'probe' cannot run in a sandbox: bwrap is not installed"), std::string::npos)
      << result.error;
  EXPECT_NE(result.error.find("apt-get install bubblewrap"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("--unsandboxed"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace runner
