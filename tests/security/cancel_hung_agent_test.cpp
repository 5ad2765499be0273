// Attack: a hung agent (planning a hostile .factory/ that never ends, or
// stuck some other way) ignores SIGTERM. Cancelling its workflow showed
// `cancelled`, but the agent kept its slot for good, and every other
// workflow waited "all 1 local agents are busy". Now an agent that does not
// confirm a cancel gets SIGTERM, then SIGKILL with every process below it
// after the grace period; its slot is freed and the next workflow runs.
#include <signal.h>

#include "cli/ci_server.h"
#include "security/lifecycle_support.h"

namespace {

using clitest::CiServer;
using clitest::json;
using clitest::wait_until;
using namespace std::chrono_literals;

class CancelHungAgent : public CiServer {};

TEST_F(CancelHungAgent, IsKilledWithItsBuildAfterTheGracePeriodAndTheNextWorkflowRuns) {
  const std::string sha = create_repository_running(
      "if [ $FACTORY_BRANCH = hang ]; then trap '' TERM; while :; do :; done; fi; echo next ran");
  start({"--max-agents", "1", "--agent-grace", "1s"});
  const std::string hung = push_hook("refs/heads/hang", sha);

  // The build spins, ignoring SIGTERM; its agent is stopped (SIGSTOP): it
  // sends no heartbeat and cannot act on SIGTERM, as if planning hung.
  pid_t agent = 0, build = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& process : lifecycle::descendants_of(server_pid()))
          if (process.command == "sh") agent = clitest::ancestor_named(build = process.pid, "factory-agent");
        return agent != 0;
      },
      30s, 50ms))
      << workflow(hung).dump(1);
  ASSERT_EQ(kill(agent, SIGSTOP), 0);
  const std::string next = push_hook("refs/heads/main", sha);
  ASSERT_TRUE(wait_until([&] { return workflow(next)["waiting_reason"] == "all 1 local agents are busy"; }, 5s))
      << workflow(next).dump(1);

  ASSERT_EQ(api("POST", "/api/v1/workflows/" + hung + "/cancel").status, 202);
  const auto cancelled_at = std::chrono::steady_clock::now();
  // 1 s to confirm, 1 s to stop, each noticed at the orchestrator's next
  // one-second tick.
  ASSERT_TRUE(wait_until([&] { return workflow(next)["status"] != "queued"; }, 6s))
      << "the slot was not freed: " << workflow(next).dump(1);
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);
  EXPECT_FALSE(lifecycle::alive(agent)) << "the hung agent lives on";
  EXPECT_FALSE(lifecycle::alive(build)) << "its build lives on";

  const json view = wait_for_end(next);
  EXPECT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(workflow(hung)["status"], "cancelled");
}

}  // namespace
