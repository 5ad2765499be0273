// Two `factory server` processes on one database (PostgreSQL or MariaDB,
// from scripts/test-databases.sh), webhooks spread over both as a load
// balancer would, and pool agents that find the servers through Consul (the
// stand-in of consul_standin.h). A thousand workflows each run exactly once,
// and killing one server with SIGKILL halfway loses none: its agents move to
// the other server, which also takes over the leases it held.
#include <set>

#include "cli/ci_server.h"
#include "consul_standin.h"
#include "store/test_database.h"

namespace {

using clitest::json;
using clitest::wait_until;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kWorkflows = 1000;
constexpr int kAgents = 6;

class SeveralServers : public clitest::CiServer, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    FACTORY_CREATE_TEST_DATABASE(database_, GetParam());
  }
  ~SeveralServers() override {
    agents_.clear();
    second_.reset();
    stop_server(SIGTERM);  // before the database goes
  }

  std::vector<std::string> server_flags() const {
    return {"--provisioner", "pool", "--database", database_->url(), "--consul", consul_.url(), "--lease", "10s"};
  }

  // The second server: the same data directory (so the same secrets key)
  // and database as the first, on a port of its own.
  void start_second_server() {
    std::vector<std::string> argv{testpaths::factory_binary().string(), "server", "--data-dir",
                                  (root() / "data").string(), "--listen", "127.0.0.1:0", "--log-level", "warn"};
    for (const auto& flag : server_flags()) argv.push_back(flag);
    const fs::path log = root() / "server-2.log";
    second_ = std::make_unique<clitest::Process>(argv, log);
    second_port_ = clitest::announced_port(log, "listening on http://127.0.0.1:", 20s);
  }

  void start_agents() {
    const std::string token = make_agent_token(database_->url());
    // --unsandboxed: the builds record their runs in a file outside their workspace.
    for (int i = 0; i < kAgents; ++i) {
      const std::string name = "pool-" + std::to_string(i);
      agents_.push_back(std::make_unique<clitest::Process>(
          std::vector<std::string>{testpaths::factory_binary().string(), "agent", "--consul", consul_.url(), "--name",
                                   name, "--work-dir", (root() / "agents" / name).string(), "--jobs", "1",
                                   "--unsandboxed"},
          root() / (name + ".log"), std::vector<std::string>{"FACTORY_AGENT_TOKEN=" + token}));
    }
  }

  std::size_t healthy_servers() {
    std::size_t count = 0;
    const json all = consul_.services();
    for (const auto& [id, service] : all.items()) count += service["Service"] == "factory";
    return count;
  }

  // Delivery `n` of a push, to the server `n` picks while the second runs,
  // else (or when the second does not answer) to the first: the delivery id
  // stays the same, so a delivery both saw queues one workflow.
  std::string deliver_spread(int n, const json& payload) {
    const std::string delivery = "spread-" + std::to_string(n);
    if (second_client_ && n % 2 == 1) {
      const auto reply = send_delivery(*second_client_, "push", delivery, payload);
      if (reply.status == 202) return json::parse(reply.body)["id"];
    }
    const auto reply = send_delivery(*first_client_, "push", delivery, payload);
    if (reply.status != 202) throw std::runtime_error("webhook not queued: " + reply.body);
    return json::parse(reply.body)["id"];
  }

  std::vector<std::string> runs() const { return clitest::lines_of(clitest::read_file(root() / "runs.txt")); }

  std::unique_ptr<store::testing::TestDatabase> database_;  // first: it outlives the servers
  consultest::ConsulStandIn consul_;
  std::unique_ptr<clitest::Process> second_;
  std::uint16_t second_port_ = 0;
  std::unique_ptr<http::testing::Client> first_client_, second_client_;
  std::vector<std::unique_ptr<clitest::Process>> agents_;
};

TEST_P(SeveralServers, AThousandWorkflowsRunOnceEachAndKillingOneServerLosesNone) {
  const std::string sha =
      create_repository_running("echo $FACTORY_WORKFLOW_ID >> " + (root() / "runs.txt").string(), "record");
  start(server_flags());
  start_second_server();
  ASSERT_TRUE(wait_until([&] { return healthy_servers() == 2; }, 10s)) << consul_.services().dump(1);
  first_client_ = std::make_unique<http::testing::Client>(port());
  second_client_ = std::make_unique<http::testing::Client>(second_port_);
  start_agents();

  const json payload = push_payload("refs/heads/main", sha);
  std::set<std::string> ids;
  for (int n = 0; n < kWorkflows; ++n) {
    ids.insert(deliver_spread(n, payload));
    if (n == kWorkflows / 2) {
      // Halfway: the second server dies with whatever it was doing.
      ASSERT_TRUE(wait_until([&] { return runs().size() >= kWorkflows / 4; }, 300s)) << runs().size();
      second_->stop(SIGKILL);
      second_client_.reset();
    }
  }
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kWorkflows));

  ASSERT_TRUE(wait_until([&] { return runs().size() >= kWorkflows; }, 600s)) << runs().size() << " runs";
  std::this_thread::sleep_for(1s);  // no run comes late
  const auto lines = runs();
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kWorkflows)) << "each workflow ran once";
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()), ids);
  std::map<std::string, int> statuses;
  for (const auto& id : ids) ++statuses[wait_for_end(id, 60s)["status"].get<std::string>()];
  EXPECT_EQ(statuses, (std::map<std::string, int>{{"success", kWorkflows}}));
}

INSTANTIATE_TEST_SUITE_P(Databases, SeveralServers, ::testing::Values("postgres", "mysql"));

}  // namespace
