// Faults the installation must survive with nothing lost and nothing done
// twice: an agent killed in the middle of a workflow, the server restarted
// under a running agent or killed under webhook load, one webhook delivered
// many times at once, and a data directory whose disk is full.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::first_execution;
using clitest::json;
using clitest::lines_of;
using clitest::wait_until;
using namespace std::chrono_literals;

class Faults : public CiServer {
 protected:
  // The agent whose execution runs `command` now, once one does; 0 if none
  // does within 20 s. `program` is the agent's process name: "factory" for
  // pool agents (`factory agent`), "factory-agent" for local ones.
  pid_t agent_running(const std::string& command, const std::string& program) {
    pid_t agent = 0;
    wait_until(
        [&] {
          const auto found = running(command);
          if (!found.empty()) agent = clitest::ancestor_named(found.front().pid, program);
          return agent != 0;
        },
        20s, 50ms);
    return agent;
  }
};

// The killed agent's lease runs out, and the other agent runs the workflow
// again. The execution sleeps only the first time, so that the retry ends
// at once.
TEST_F(Faults, WorkflowOfAKilledPoolAgentIsRetriedOnAnother) {
  const auto runs = root() / "runs.txt", slept = root() / "slept";
  const std::string sha = create_repository_running("echo $PWD >> " + runs.string() + "; if [ ! -e " + slept.string() +
                                                    " ]; then touch " + slept.string() + "; sleep 20; fi");
  start({"--provisioner", "pool", "--lease", "2s"});
  start_pool_agents(2, {"--unsandboxed"});  // runs.txt and slept are outside the workspace
  const std::string id = push_hook("refs/heads/main", sha);

  const pid_t agent = agent_running("sleep", "factory");
  ASSERT_NE(agent, 0) << workflow(id).dump(1);
  ASSERT_EQ(kill(agent, SIGKILL), 0);

  const json view = wait_for_end(id, 20s);
  EXPECT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(view["attempt"], 2);
  const auto executions = lines_of(clitest::read_file(runs));
  ASSERT_EQ(executions.size(), 2u) << "the execution ran once on each agent";
  EXPECT_NE(executions[0], executions[1]) << "the retry ran in the other agent's work dir";
}

// A local agent that dies takes its workflow with it, and the workflow says how.
TEST_F(Faults, WorkflowOfAKilledLocalAgentEndsInError) {
  const std::string sha = create_repository_running("sleep 20");
  start();
  const std::string id = push_hook("refs/heads/main", sha);

  const pid_t agent = agent_running("sleep", "factory-agent");
  ASSERT_NE(agent, 0) << workflow(id).dump(1);
  ASSERT_EQ(kill(agent, SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();

  const json view = wait_for_end(id, 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 5s);
  EXPECT_EQ(view["status"], "error") << view.dump(1);
  EXPECT_EQ(view["status_reason"], "its agent was killed by signal 9 before finishing it");
  EXPECT_EQ(view["attempt"], 1);
}

// The server goes away (SIGTERM: it shuts down; SIGKILL: it just dies) while
// a pool agent runs an execution, and comes back on the same port 2 s later.
// The execution prints lines 1-30 (most of them while the server is away),
// then waits for the test's go-ahead, given only after the restart, and
// prints lines 31-60: it ran through the outage. The agent keeps the lines
// and sends them once the server answers again: every line arrives, once and
// in order.
class ServerRestart : public Faults, public ::testing::WithParamInterface<int> {};

TEST_P(ServerRestart, RunningWorkflowLosesNoLogLine) {
  const std::string go_ahead = (root() / "go-ahead").string();
  const std::string sha = create_repository_running(
      "for i in $(seq 1 30); do echo line $i; sleep 0.05; done; "
      "while [ ! -e " + go_ahead + " ]; do sleep 0.05; done; "
      "for i in $(seq 31 60); do echo line $i; done");
  start({"--provisioner", "pool"});
  start_pool_agents(1, {"--unsandboxed"});  // the go-ahead file is outside the workspace
  const std::string id = push_hook("refs/heads/main", sha);
  ASSERT_TRUE(wait_until(
      [&] {
        const json execution = first_execution(workflow(id), "job");
        return !execution.is_null() && lines_of(log(execution)).size() >= 5;
      },
      20s, 100ms))
      << workflow(id).dump(1);

  stop_server(GetParam());
  std::this_thread::sleep_for(2s);
  restart_server();
  std::ofstream{go_ahead} << "go\n";

  const json view = wait_for_end(id, 20s);
  EXPECT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(view["attempt"], 1);
  std::vector<std::string> expected;
  for (int i = 1; i <= 60; ++i) expected.push_back("line " + std::to_string(i));
  EXPECT_EQ(lines_of(log(first_execution(view, "job"))), expected);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServerRestart, ::testing::Values(SIGTERM, SIGKILL),
                         [](const auto& info) { return info.param == SIGTERM ? "Sigterm" : "Sigkill"; });

// GitHub redelivers; a delivery that arrives 100 times at once, each on a
// connection of its own, queues one workflow: the first answer is 202, the
// others 200, all with its id.
TEST_F(Faults, ConcurrentCopiesOfADeliveryQueueOneWorkflow) {
  const std::string sha = create_repository_running("true");
  start({"--provisioner", "pool"});  // no agent: the workflow stays queued
  const json payload = push_payload("refs/heads/main", sha);

  constexpr int kCopies = 100;
  std::vector<http::testing::Reply> replies(kCopies);
  std::latch ready{kCopies};
  std::vector<std::thread> senders;
  for (auto& reply : replies)
    senders.emplace_back([&] {
      http::testing::Client client{port()};
      ready.arrive_and_wait();
      reply = send_delivery(client, "push", "delivery-once", payload);
    });
  for (auto& sender : senders) sender.join();

  std::map<long, int> answers;
  std::set<std::string> ids;
  for (const auto& reply : replies) {
    ++answers[reply.status];
    const json body = json::parse(reply.body, nullptr, false);
    ids.insert(body.is_object() ? body.value("id", "") : reply.body);
  }
  EXPECT_EQ(answers, (std::map<long, int>{{200, kCopies - 1}, {202, 1}}));
  ASSERT_EQ(ids.size(), 1u);
  const json listed = get("/api/v1/projects/" + project_id() + "/workflows")["items"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump(1);
  EXPECT_EQ(listed[0]["id"], *ids.begin());
}


// kill -9 of the server while webhooks pour in: after the restart, every
// delivery that was answered 2xx has its workflow, and no delivery has two.
TEST_F(Faults, AServerKilledUnderWebhookLoadKeepsEveryAcknowledgedDelivery) {
  const std::string sha = create_repository_running("true");
  start({"--provisioner", "pool"});  // no agent: workflows stay queued and countable
  const json payload = push_payload("refs/heads/main", sha);

  std::mutex mutex;
  std::map<std::string, std::string> acknowledged;  // delivery id → workflow id
  std::vector<std::thread> senders;
  for (int sender = 0; sender < 4; ++sender)
    senders.emplace_back([&, sender] {
      http::testing::Client client{port()};
      for (int n = 0;; ++n) {
        const std::string delivery = "load-" + std::to_string(sender) + "-" + std::to_string(n);
        const auto reply = send_delivery(client, "push", delivery, payload);
        if (reply.status == 0) return;  // the server is gone
        if (reply.status / 100 != 2) continue;
        std::lock_guard lock{mutex};
        acknowledged[delivery] = json::parse(reply.body)["id"];
      }
    });
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock{mutex};
    return acknowledged.size() >= 200;
  }, 30s, 10ms));
  stop_server(SIGKILL);
  for (auto& sender : senders) sender.join();
  restart_server();

  const json page = get("/api/v1/projects/" + project_id() + "/workflows?limit=1000");
  ASSERT_TRUE(page["next"].is_null()) << "more workflows than one page holds";
  std::map<std::string, std::vector<std::string>> stored;  // delivery id → workflow ids
  for (const auto& workflow : page["items"]) stored[workflow["delivery_id"]].push_back(workflow["id"]);
  for (const auto& [delivery, ids] : stored) EXPECT_EQ(ids.size(), 1u) << delivery << " has several workflows";
  for (const auto& [delivery, id] : acknowledged) {
    ASSERT_TRUE(stored.contains(delivery)) << delivery << " was acknowledged but has no workflow";
    EXPECT_EQ(stored[delivery], std::vector<std::string>{id});
  }
  EXPECT_GE(stored.size(), acknowledged.size());  // a delivery written just before the kill may be unanswered
}

// The data directory's disk fills up under webhooks: a tmpfs of 8 MiB,
// mounted as root (elsewhere the test is skipped), with 2 MiB of it taken by
// a ballast file. Deliveries are then refused with 503 and a message naming
// the full disk, while reads go on; each acknowledged delivery has its
// workflow. With the ballast gone, webhooks are taken again without a
// restart, and after one the database holds exactly the acknowledged ones.
TEST_F(Faults, AFullDiskRefusesWebhooksClearlyAndLosesNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs as the data directory needs root";
  const std::string data = data_dir();
  std::filesystem::create_directories(data);
  ASSERT_EQ(std::system(("mount -t tmpfs -o size=8m factory-test-full " + clitest::quote(data)).c_str()), 0);
  struct Unmount {
    std::string dir;
    ~Unmount() { (void)std::system(("umount -l " + clitest::quote(dir)).c_str()); }
  } unmount{data};

  const std::string sha = create_repository_running("true");
  start({"--provisioner", "pool"});  // no agent: workflows stay queued and countable
  const auto ballast = std::filesystem::path(data) / "ballast";
  std::ofstream{ballast} << std::string(2 * 1024 * 1024, 'x');
  std::vector<std::string> changed;
  for (int i = 0; i < 1000; ++i) changed.push_back("src/module/file" + std::to_string(i) + ".c");
  const json payload = push_payload("refs/heads/main", sha, changed);

  http::testing::Client client{port()};
  std::map<std::string, std::string> acknowledged;  // delivery id → workflow id
  http::testing::Reply refusal;
  for (int n = 0; n < 2000 && refusal.status == 0; ++n) {
    const std::string delivery = "fill-" + std::to_string(n);
    const auto reply = send_delivery(client, "push", delivery, payload);
    if (reply.status == 202)
      acknowledged[delivery] = json::parse(reply.body)["id"];
    else
      refusal = reply;
  }
  ASSERT_EQ(refusal.status, 503) << refusal.body;
  EXPECT_TRUE(clitest::contains(refusal.body, "disk holding the SQLite database is full")) << refusal.body;
  EXPECT_GT(acknowledged.size(), 10u);

  auto stored_deliveries = [&] {
    std::map<std::string, std::string> stored;
    std::string after;
    do {
      const json page = get("/api/v1/projects/" + project_id() + "/workflows?limit=1000" +
                            (after.empty() ? "" : "&after=" + after));
      for (const auto& workflow : page["items"]) {
        EXPECT_FALSE(stored.contains(workflow["delivery_id"])) << "a delivery with two workflows";
        stored[workflow["delivery_id"]] = workflow["id"];
      }
      after = page["next"].is_null() ? "" : page["next"].get<std::string>();
    } while (!after.empty());
    return stored;
  };
  EXPECT_EQ(stored_deliveries(), acknowledged);  // reads work on a full disk

  std::filesystem::remove(ballast);
  http::testing::Reply taken;
  ASSERT_TRUE(wait_until([&] {
    taken = send_delivery(client, "push", "after-space-was-freed", payload);
    return taken.status == 202;
  }, 10s, 200ms)) << taken.status << " " << taken.body;
  acknowledged["after-space-was-freed"] = json::parse(taken.body)["id"];

  stop_server(SIGTERM);
  restart_server();
  EXPECT_EQ(stored_deliveries(), acknowledged);
}

}  // namespace
