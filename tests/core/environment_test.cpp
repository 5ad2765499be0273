// The agent's token leaves its process for good: erase_environment_variable
// clears the copy /proc/PID/environ shows, which unsetenv leaves behind; and
// a non-dumpable process's environ is closed to others.
#include "core/environment.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace {

constexpr const char* kChildRole = "FACTORY_TEST_ENVIRONMENT_CHILD";
constexpr const char* kSecret = "s3cret-token-value";

std::string read_environ(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// This test binary again, with `variable` in the environment it starts
// with and the role it plays in kChildRole; its exit status.
int run_child(const std::string& role, const std::string& variable) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::string self = "/proc/self/exe", filter = "--gtest_filter=EnvironmentChild.*";
    std::string role_entry = std::string{kChildRole} + "=" + role;
    std::string variable_entry = variable;
    char* argv[] = {self.data(), filter.data(), nullptr};
    char* envp[] = {role_entry.data(), variable_entry.data(), nullptr};
    execve(self.c_str(), argv, envp);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Environment, UnsetenvAloneLeavesTheTokenInProcEnviron) {
  EXPECT_EQ(run_child("unsetenv", std::string{core::kAgentTokenVariable} + "=" + kSecret), 0);
}

TEST(Environment, ErasingClearsTheTokenFromProcEnviron) {
  EXPECT_EQ(run_child("erase", std::string{core::kAgentTokenVariable} + "=" + kSecret), 0);
}

// What the children check, each in a process that started with the token.
TEST(EnvironmentChild, Checks) {
  const char* role = std::getenv(kChildRole);
  if (!role) GTEST_SKIP() << "run by the tests above";
  const std::string how{role};
  if (how == "unsetenv") {
    unsetenv(core::kAgentTokenVariable);
    EXPECT_EQ(std::getenv(core::kAgentTokenVariable), nullptr);
    EXPECT_NE(read_environ(getpid()).find(kSecret), std::string::npos) << "the case erasing is for";
  } else {
    core::erase_environment_variable(core::kAgentTokenVariable);
    EXPECT_EQ(std::getenv(core::kAgentTokenVariable), nullptr);
    EXPECT_EQ(read_environ(getpid()).find(kSecret), std::string::npos);
    for (const auto& entry : core::inherited_environment()) EXPECT_EQ(entry.find(kSecret), std::string::npos);
  }
}

}  // namespace

namespace core {
namespace {

bool has(const std::vector<std::string>& env, const std::string& variable) {
  return std::find(env.begin(), env.end(), variable) != env.end();
}

TEST(AllowedEnvironment, KeepsNamedVariablesAndPrefixesOnly) {
  setenv("FACTORY_TEST_KEPT", "a", 1);
  setenv("LC_FACTORY_TEST", "b", 1);
  setenv("FACTORY_TEST_DATABASE_PASSWORD", "hunter2", 1);
  setenv("FACTORY_TEST_KEPTX", "c", 1);
  const auto env = allowed_environment({"FACTORY_TEST_KEPT", "LC_*"});
  EXPECT_TRUE(has(env, "FACTORY_TEST_KEPT=a"));
  EXPECT_TRUE(has(env, "LC_FACTORY_TEST=b"));
  EXPECT_FALSE(has(env, "FACTORY_TEST_DATABASE_PASSWORD=hunter2"));
  EXPECT_FALSE(has(env, "FACTORY_TEST_KEPTX=c")) << "a name is matched whole";
  for (const auto& variable : env)
    EXPECT_TRUE(variable.starts_with("FACTORY_TEST_KEPT=") || variable.starts_with("LC_")) << variable;
}

TEST(AllowedEnvironment, IsEmptyForAnEmptyList) { EXPECT_TRUE(allowed_environment({}).empty()); }

}  // namespace
}  // namespace core
