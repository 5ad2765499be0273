// Attack: the server's listening socket (and any other descriptor it holds)
// leaks into every agent and build, so a build can accept() connections
// meant for the server and read users' and agents' Authorization headers.
// Now a build holds its standard streams only, no process below the server
// holds a socket of the server's, and every descriptor of the server and of
// its agents is close-on-exec.
#include <fstream>

#include "cli/ci_server.h"
#include "security/lifecycle_support.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::first_execution;
using clitest::json;
using clitest::wait_until;
using namespace std::chrono_literals;

class Descriptors : public CiServer {};

std::set<std::string> sockets_in(const std::map<int, std::string>& descriptors) {
  std::set<std::string> sockets;
  for (const auto& [fd, target] : descriptors)
    if (target.starts_with("socket:")) sockets.insert(target);
  return sockets;
}

TEST_F(Descriptors, ABuildHoldsOnlyItsStandardStreamsAndNoSocketOfTheServer) {
  // The build waits for a file in its workspace, the one folder it sees.
  const std::string sha = create_repository_running(
      "echo build descriptors:; sh -c 'ls -m /proc/$$/fd; true'; ss -ltnp || true; "
      "while [ ! -e go ]; do sleep 0.1; done");
  start();
  const std::string id = push_hook("refs/heads/main", sha);

  pid_t agent = 0;
  std::vector<clitest::ProcessInfo> below;
  ASSERT_TRUE(wait_until(
      [&] {
        below = lifecycle::descendants_of(server_pid());
        for (const auto& process : below)
          if (process.command == "sleep") agent = clitest::ancestor_named(process.pid, "factory-agent");
        return agent != 0;
      },
      30s, 50ms))
      << workflow(id).dump(1);

  const std::set<std::string> server_sockets = sockets_in(lifecycle::descriptors_of(server_pid()));
  EXPECT_FALSE(server_sockets.empty());
  for (const auto& process : below) {
    for (const auto& socket : sockets_in(lifecycle::descriptors_of(process.pid)))
      EXPECT_FALSE(server_sockets.contains(socket))
          << process.command << " (" << process.pid << ") holds the server's " << socket;
  }
  EXPECT_EQ(lifecycle::describe(lifecycle::inheritable_descriptors(server_pid())), "")
      << "descriptors of the server that its agents would inherit";
  EXPECT_EQ(lifecycle::describe(lifecycle::inheritable_descriptors(agent)), "")
      << "descriptors of the agent that its builds would inherit";

  std::ofstream{workspace_of(id) / "go"} << "go\n";
  const json view = wait_for_end(id);
  ASSERT_EQ(view["status"], "success") << view.dump(1);
  const std::string output = log(first_execution(view, "job"));
  EXPECT_TRUE(contains(output, "build descriptors:\n0, 1, 2\n")) << output;
  // ss shows the server's socket with the processes holding it that the
  // build can see: none in the sandbox's own PID namespace, else the server
  // alone.
  const std::string listening = "127.0.0.1:" + std::to_string(port()) + " ";
  for (const std::string& line : clitest::lines_of(output)) {
    if (!contains(line, listening)) continue;
    if (contains(line, "users:")) {
      EXPECT_TRUE(contains(line, "pid=" + std::to_string(server_pid()) + ",")) << line;
    }
    EXPECT_FALSE(contains(line, "factory-agent") || contains(line, "\"sh\"") || contains(line, "\"sleep\""))
        << line;
  }
}

}  // namespace
