// The local provisioner with a stand-in for `factory`: a shell script that
// shows what an agent would be given.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

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
