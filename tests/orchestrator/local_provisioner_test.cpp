// The local provisioner with a stand-in for `factory`: a shell script that
// shows what an agent would be given.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "orchestrator/process_tree.h"
#include "orchestrator/provisioner.h"
#include "temp_dir.h"

namespace orchestrator {
namespace {

using namespace std::chrono_literals;

// Reaps until one agent ended (or 10 s passed).
std::vector<AgentExit> reap_one(Provisioner& provisioner) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    auto exits = provisioner.reap();
    if (!exits.empty()) return exits;
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

// Whether `pid` runs (not gone, not a zombie).
bool alive(pid_t pid) {
  std::ifstream file{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat;
  if (!std::getline(file, stat)) return false;
  const auto after_name = stat.rfind(')');
  return after_name != std::string::npos && stat.size() > after_name + 2 && stat[after_name + 2] != 'Z';
}

// The pids a fake agent wrote to `path`, one a line, once it wrote `count`.
std::vector<pid_t> pids_in(const testpaths::TempDir& dir, const std::string& name, std::size_t count) {
  std::vector<pid_t> pids;
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    pids.clear();
    std::istringstream lines{dir.read(name)};
    for (pid_t pid; lines >> pid;) pids.push_back(pid);
    if (pids.size() >= count) return pids;
    std::this_thread::sleep_for(10ms);
  }
  return pids;
}

class LocalProvisionerTest : public ::testing::Test {
 protected:
  void write_program(const std::string& script) {
    std::ofstream{program_} << "#!/bin/sh\n" << script;
    chmod(program_.c_str(), 0755);
  }

  testpaths::TempDir dir_;
  std::string program_ = (dir_.path() / "fake-factory").string();
  std::unique_ptr<Provisioner> provisioner_ =
      make_local_provisioner({{program_, "agent"}, (dir_.path() / "agents").string(), 2});
};

TEST_F(LocalProvisionerTest, StartsAnAgentWithItsTokenInTheEnvironmentAndItsOutputInALog) {
  write_program("echo \"args: $*\"; echo \"token: $FACTORY_AGENT_TOKEN\"; echo to stderr >&2; exit 3\n");
  std::string error;
  ASSERT_TRUE(provisioner_->provision({"w1", "local-agent-1", "fct_secret", "http://127.0.0.1:9"}, error)) << error;
  EXPECT_EQ(provisioner_->running(), 1u);
  EXPECT_EQ(provisioner_->capacity(), 1u);
  const auto exits = reap_one(*provisioner_);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].workflow_id, "w1");
  EXPECT_EQ(exits[0].how, "exited with status 3");
  EXPECT_FALSE(exits[0].clean);
  EXPECT_EQ(provisioner_->capacity(), 2u);
  const std::string log = dir_.read("agents/local-agent-1.log");
  EXPECT_NE(log.find("args: agent --once --server http://127.0.0.1:9 --work-dir "), std::string::npos) << log;
  EXPECT_NE(log.find("token: fct_secret\n"), std::string::npos) << log;  // the environment, not argv
  EXPECT_NE(log.find("to stderr\n"), std::string::npos) << log;
}

TEST_F(LocalProvisionerTest, StopTerminatesTheAgent) {
  write_program("trap 'echo stopped; exit 0' TERM; while :; do sleep 0.05; done\n");
  std::string error;
  ASSERT_TRUE(provisioner_->provision({"w1", "local-agent-1", "t", "http://127.0.0.1:9"}, error)) << error;
  std::this_thread::sleep_for(200ms);  // the trap is set
  provisioner_->stop("w1");
  const auto exits = reap_one(*provisioner_);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_TRUE(exits[0].clean);
  EXPECT_NE(dir_.read("agents/local-agent-1.log").find("stopped"), std::string::npos);
}

// A hung agent ignores SIGTERM; so do its build, in a process group of its
// own, and a process that left it (setsid, double fork). After the grace
// period all of them are killed, and the slot is free.
TEST_F(LocalProvisionerTest, StopKillsAnAgentThatIgnoresSigtermWithEverythingItStartedAfterTheGrace) {
  const std::string pids = (dir_.path() / "pids").string();
  write_program("trap '' TERM\n"
                "setsid sh -c 'echo $$ >> " + pids + "; sleep 1000' &\n"
                "(setsid sh -c 'echo $$ >> " + pids + "; exec sleep 1000' &) \n"
                "echo $$ >> " + pids + "\n"
                "while :; do sleep 0.05; done\n");
  auto provisioner = make_local_provisioner({{program_}, (dir_.path() / "agents").string(), 1, 300ms});
  std::string error;
  ASSERT_TRUE(provisioner->provision({"w1", "local-agent-1", "t", "http://127.0.0.1:9"}, error)) << error;
  const auto started = pids_in(dir_, "pids", 3);
  ASSERT_EQ(started.size(), 3u);
  const auto stopped_at = std::chrono::steady_clock::now();
  provisioner->stop("w1");
  std::this_thread::sleep_for(150ms);
  EXPECT_TRUE(provisioner->reap().empty()) << "SIGTERM is ignored: nothing ends before the grace period";
  const auto exits = reap_one(*provisioner);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].how, "was killed by signal 9");
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 2s);
  EXPECT_EQ(provisioner->capacity(), 1u);
  for (int i = 0; i < 20 && std::any_of(started.begin(), started.end(), alive); ++i) {
    provisioner->reap();
    std::this_thread::sleep_for(20ms);
  }
  for (const pid_t pid : started) EXPECT_FALSE(alive(pid)) << pid << " outlived its agent";
}

TEST_F(LocalProvisionerTest, StopAllStopsEveryAgentAndWhatItStarted) {
  const std::string pids = (dir_.path() / "pids").string();
  write_program("trap '' TERM\n(setsid sh -c 'echo $$ >> " + pids + "; exec sleep 1000' &)\nwhile :; do sleep 0.05; done\n");
  auto provisioner = make_local_provisioner({{program_}, (dir_.path() / "agents").string(), 2, 200ms});
  std::string error;
  ASSERT_TRUE(provisioner->provision({"w1", "local-agent-1", "t", "http://127.0.0.1:9"}, error)) << error;
  ASSERT_TRUE(provisioner->provision({"w2", "local-agent-2", "t", "http://127.0.0.1:9"}, error)) << error;
  const auto started = pids_in(dir_, "pids", 2);
  ASSERT_EQ(started.size(), 2u);
  const auto began = std::chrono::steady_clock::now();
  provisioner->stop_all();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
  EXPECT_EQ(provisioner->running(), 0u);
  for (const pid_t pid : started) EXPECT_FALSE(alive(pid)) << pid << " outlived the server's stop";
  EXPECT_TRUE(children_of(getpid()).empty());
}

// The server blocks SIGTERM in every thread and holds sockets and files;
// its environment may hold a database password. None of it reaches an agent.
TEST_F(LocalProvisionerTest, AnAgentGetsOnlyItsStandardStreamsNoBlockedSignalAndAnAllowedEnvironment) {
  write_program("sh -c 'ls /proc/$$/fd; true' | tr '\\n' ' '; echo\n"
                // Read by the shell itself: a shell blocks signals while it
                // forks, so a child reading its status may catch that moment.
                "while read -r line; do case $line in SigBlk*) echo \"$line\";; esac; done < /proc/$$/status\n"
                "env\n");
  sigset_t term, previous;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &previous);
  const int inheritable = open("/dev/null", O_RDONLY);  // no O_CLOEXEC
  setenv("FACTORY_DATABASE", "postgres://factory:db-password@127.0.0.1/factory", 1);
  setenv("LC_TIME", "C", 1);
  std::string error;
  const bool started = provisioner_->provision({"w1", "local-agent-1", "fct_secret", "http://127.0.0.1:9"}, error);
  unsetenv("FACTORY_DATABASE");
  close(inheritable);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ASSERT_TRUE(started) << error;
  ASSERT_EQ(reap_one(*provisioner_).size(), 1u);
  const std::string log = dir_.read("agents/local-agent-1.log");
  EXPECT_NE(log.find("0 1 2 \n"), std::string::npos) << log;
  EXPECT_NE(log.find("SigBlk:\t0000000000000000\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("db-password"), std::string::npos) << log;
  EXPECT_NE(log.find("\nPATH="), std::string::npos) << log;
  EXPECT_NE(log.find("\nLC_TIME=C\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\nFACTORY_AGENT_TOKEN=fct_secret\n"), std::string::npos) << log;
}

TEST_F(LocalProvisionerTest, AProgramThatCannotStartIsAnError) {
  std::string error;
  EXPECT_FALSE(provisioner_->provision({"w1", "local-agent-1", "t", "http://127.0.0.1:9"}, error));
  EXPECT_NE(error.find("cannot start"), std::string::npos) << error;
  EXPECT_EQ(provisioner_->running(), 0u);
}

TEST_F(LocalProvisionerTest, StartsTheAgentCommandItIsGivenWithTheAgentsOptionsAfterIt) {
  write_program("echo \"args: $*\"\n");
  auto provisioner = make_local_provisioner({{program_}, (dir_.path() / "agents").string(), 1});
  std::string error;
  ASSERT_TRUE(provisioner->provision({"w1", "local-agent-1", "t", "http://127.0.0.1:9"}, error)) << error;
  ASSERT_EQ(reap_one(*provisioner).size(), 1u);
  const std::string log = dir_.read("agents/local-agent-1.log");
  EXPECT_EQ(log.rfind("args: --once --server http://127.0.0.1:9 --work-dir ", 0), 0u) << log;
}

TEST(AgentCommandBeside, IsFactoryAgentWhenItIsAnExecutableBesideFactory) {
  testpaths::TempDir dir;
  const auto agent = dir.path() / "factory-agent";
  std::ofstream{agent} << "#!/bin/sh\n";
  chmod(agent.c_str(), 0755);
  EXPECT_EQ(agent_command_beside(dir.path() / "factory"), std::vector<std::string>{agent.string()});
}

TEST(AgentCommandBeside, IsTheAgentSubcommandOfFactoryOtherwise) {
  testpaths::TempDir dir;
  const auto factory = dir.path() / "factory";
  const std::vector<std::string> subcommand{factory.string(), "agent"};
  EXPECT_EQ(agent_command_beside(factory), subcommand);
  std::ofstream{dir.path() / "factory-agent"} << "not executable\n";
  EXPECT_EQ(agent_command_beside(factory), subcommand);
}

}  // namespace
}  // namespace orchestrator
