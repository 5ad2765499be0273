// Attack: local agents outlived their server. An orphaned agent (and its
// builds) kept the server's listening socket and ignored SIGTERM, so the
// server could not start again ("Address already in use") until someone
// SIGKILLed it by hand. Now stopping the server stops its agents and their
// builds; a server killed outright leaves agents that hold none of its
// sockets, report to the next server, and give up once it has been gone
// for a whole lease; and an agent exits on a second SIGTERM whatever its
// run is doing.
#include <signal.h>

#include "cli/ci_server.h"
#include "security/lifecycle_support.h"

namespace {

using clitest::CiServer;
using clitest::json;
using clitest::wait_until;
using namespace std::chrono_literals;

using SteadyClock = std::chrono::steady_clock;

class AgentLifecycle : public CiServer {
 protected:
  // A build process named `command` below the server's local agent, and that agent.
  struct Running {
    pid_t agent = 0;
    pid_t build = 0;
  };
  Running running_build(const std::string& command, const std::string& id) {
    Running found;
    const bool seen = wait_until(
        [&] {
          for (const auto& process : lifecycle::descendants_of(server_pid()))
            if (process.command == command)
              found = {clitest::ancestor_named(process.pid, "factory-agent"), process.pid};
          return found.agent != 0;
        },
        30s, 50ms);
    if (!seen) ADD_FAILURE() << "no " << command << " runs below an agent: " << workflow(id).dump(1);
    return found;
  }
};

TEST_F(AgentLifecycle, StoppingTheServerStopsItsAgentsAndBuildsAndFreesItsPortAtOnce) {
  const std::string sha = create_repository_running("trap '' TERM; sleep 1000");
  start({"--agent-grace", "1s"});
  const std::string id = push_hook("refs/heads/main", sha);
  const Running old = running_build("sleep", id);
  ASSERT_NE(old.agent, 0);

  const auto stopping = SteadyClock::now();
  stop_server(SIGTERM);
  EXPECT_LT(SteadyClock::now() - stopping, 5s) << "the server took long to stop";
  EXPECT_FALSE(lifecycle::alive(old.agent)) << "the agent outlived its server";
  EXPECT_FALSE(lifecycle::alive(old.build)) << "the build (ignoring SIGTERM) outlived its server";

  const auto restarting = SteadyClock::now();
  restart_server();
  EXPECT_LT(SteadyClock::now() - restarting, 3s) << "the port was not free at once";
  EXPECT_EQ(get("/api/v1/workflows/" + id)["status"], "running") << "left to lease expiry, as a dead agent's";
}

TEST_F(AgentLifecycle, AServerKilledOutrightStartsAgainAtOnceAndItsAgentReportsToTheNewOne) {
  const std::string sha = create_repository_running("sleep 3; echo finished");
  start();
  const std::string id = push_hook("refs/heads/main", sha);
  ASSERT_NE(running_build("sleep", id).agent, 0);

  stop_server(SIGKILL);
  const auto restarting = SteadyClock::now();
  restart_server();
  EXPECT_LT(SteadyClock::now() - restarting, 3s) << "the port was not free at once";

  const json view = wait_for_end(id, 30s);
  EXPECT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(view["attempt"], 1);
}

TEST_F(AgentLifecycle, AnAgentWhoseServerIsGoneGivesUpWithinItsLeaseAndStopsItsBuild) {
  const std::string sha = create_repository_running("sleep 1000");
  start({"--lease", "3s"});
  const std::string id = push_hook("refs/heads/main", sha);
  const Running orphaned = running_build("sleep", id);
  ASSERT_NE(orphaned.agent, 0);

  stop_server(SIGKILL);
  const auto killed = SteadyClock::now();
  EXPECT_TRUE(wait_until([&] { return !lifecycle::alive(orphaned.agent) && !lifecycle::alive(orphaned.build); },
                         3s + 5s, 100ms))
      << "the agent or its build outlived the lease by far";
  EXPECT_GE(SteadyClock::now() - killed, 2s) << "it should have waited for the server to come back";
}

TEST_F(AgentLifecycle, AnAgentEndsAtOnceOnASecondStopSignalAndItsBuildGoesToo) {
  const std::string sha = create_repository_running("trap '' TERM; sleep 1000");
  start();
  const std::string id = push_hook("refs/heads/main", sha);
  const Running run = running_build("sleep", id);
  ASSERT_NE(run.agent, 0);

  ASSERT_EQ(kill(run.agent, SIGTERM), 0);  // the build ignores it: the runner would wait 5 s
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(kill(run.agent, SIGTERM), 0);
  EXPECT_TRUE(wait_until([&] { return !lifecycle::alive(run.agent); }, 1s)) << "the agent did not end at once";
  EXPECT_TRUE(wait_until([&] { return !lifecycle::alive(run.build); }, 3s)) << "its build outlived it";
  const json view = wait_for_end(id, 10s);
  EXPECT_EQ(view["status"], "error") << view.dump(1);
}

}  // namespace
