// Servers and pool agents of the `factory` binary finding each other through
// Consul (the stand-in of consul_standin.h): a server registers while it
// runs and deregisters on SIGTERM; a pool agent given --consul instead of
// --server claims from the healthy server, and from another one (on the same
// database) once the first is gone.
#include "cli/ci_server.h"
#include "consul_standin.h"

namespace {

using clitest::contains;
using clitest::json;
using clitest::wait_until;
using namespace std::chrono_literals;

class ConsulDiscovery : public clitest::CiServer {
 protected:
  ~ConsulDiscovery() override { agent_.reset(); }

  json servers() {
    json found = json::array();
    const json all = consul_.services();
    for (const auto& [id, service] : all.items())
      if (service["Service"] == "factory") found.push_back(service);
    return found;
  }
  void start_agent() {
    agent_ = std::make_unique<clitest::Process>(
        std::vector<std::string>{testpaths::factory_binary().string(), "agent", "--consul", consul_.url(), "--name",
                                 "pool-1", "--work-dir", (root() / "agents" / "pool-1").string()},
        agent_log(), std::vector<std::string>{"FACTORY_AGENT_TOKEN=" + make_agent_token()});
  }
  std::filesystem::path agent_log() const { return root() / "pool-1.log"; }

  consultest::ConsulStandIn consul_;
  std::unique_ptr<clitest::Process> agent_;
};

TEST_F(ConsulDiscovery, AgentsFindTheServerThroughConsulAndFailOverToAnother) {
  const std::string sha = create_repository_running("echo built", "build");
  start({"--provisioner", "pool", "--consul", consul_.url()});
  ASSERT_TRUE(wait_until([&] { return servers().size() == 1; }, 5s)) << consul_.services().dump(1);
  EXPECT_EQ(servers()[0]["Meta"]["url"], server_url());
  start_agent();
  EXPECT_TRUE(wait_until([&] { return consul_.services().contains("factory-agent-pool-1"); }, 5s))
      << "the pool agent registers too: " << consul_.services().dump(1);

  const json first = wait_for_end(push_hook("refs/heads/main", sha));
  EXPECT_EQ(first["status"], "success") << first.dump(1);

  stop_server(SIGTERM);
  EXPECT_TRUE(servers().empty()) << "deregistered on SIGTERM: " << servers().dump(1);

  start_another_server();
  ASSERT_TRUE(wait_until([&] { return servers().size() == 1; }, 5s));
  EXPECT_EQ(servers()[0]["Meta"]["url"], server_url());
  const json second = wait_for_end(push_hook("refs/heads/main", sha), 60s);
  EXPECT_EQ(second["status"], "success") << second.dump(1);
  EXPECT_TRUE(contains(clitest::read_file(agent_log()), "using the server at " + server_url() + " (found in Consul)"))
      << clitest::read_file(agent_log());
}

}  // namespace
