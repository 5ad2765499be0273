// Resource exhaustion against a running `factory server`, without credentials
// (idle sockets, stalled large webhook bodies) and with a token (views of a
// log stream): the server keeps serving other clients, and its memory stays
// bounded. Attackers come from 127.0.0.2, everyone else from 127.0.0.1: on
// Linux the whole of 127/8 is loopback, and each address is another client.
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "cli/ci_server.h"

namespace clitest {
namespace {

constexpr const char* kAttacker = "127.0.0.2";

// The process's resident memory, from /proc/PID/status, in bytes.
std::size_t resident_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stoul(line.substr(6)) * 1024;
  throw std::runtime_error("no VmRSS for process " + std::to_string(pid));
}

constexpr std::size_t MiB = 1024 * 1024;

// Raises this process's soft descriptor limit to the hard one; the limit now.
std::size_t raise_descriptor_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

class ConnectionLimits : public CiServer {
 protected:
  std::string admin_token() const { return trimmed(read_file(root() / "data" / "admin.token")); }

  // The server's gauge of open connections (event streams included).
  long open_connections() {
    http::testing::Client client{port()};
    const auto reply = client.request("GET", "/metrics", {}, {"Authorization: Bearer " + admin_token()});
    const std::string name = "factory_http_open_connections ";
    const auto at = reply.body.find("\n" + name);
    if (at == std::string::npos) throw std::runtime_error("no gauge in /metrics: " + reply.body);
    return std::stol(reply.body.substr(at + 1 + name.size()));
  }
};

TEST_F(ConnectionLimits, IdleSocketsFromOneAddressStarveNoOtherAddress) {
  constexpr std::size_t sockets = 10'000;
  const std::size_t descriptors = raise_descriptor_limit();
  if (descriptors < sockets + 500)
    GTEST_SKIP() << "the open-files hard limit is " << descriptors << ": this attack needs " << sockets + 500
                 << " descriptors in the test (raise it with `ulimit -Hn`)";
  const std::string sha = create_repository_running("echo built");
  start();

  std::vector<std::unique_ptr<http::testing::RawSocket>> idle;
  std::size_t connected = 0;
  for (std::size_t i = 0; i < sockets; ++i) {
    idle.push_back(std::make_unique<http::testing::RawSocket>(port(), kAttacker));
    connected += idle.back()->connected();
  }
  ASSERT_GE(connected, sockets * 9 / 10) << "the attack did not take place";

  // A signed webhook from another address is queued, and the local agent
  // (also on 127.0.0.1) claims, runs and reports the workflow.
  const auto started = std::chrono::steady_clock::now();
  const std::string workflow = push_hook("refs/heads/main", sha);
  const json view = wait_for_end(workflow, 30s);
  RecordProperty("workflow_ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::steady_clock::now() - started)
                                                   .count()));
  EXPECT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  // At most the address's share stays open; the rest were turned away at once.
  const long open = open_connections();
  RecordProperty("open_connections", std::to_string(open));
  EXPECT_LE(open, 256 + 8);
  EXPECT_EQ(idle.size(), sockets);  // the attack lasted until now
}

// 16 connections each send 24 MiB of a declared 25 MiB webhook, then stall.
TEST_F(ConnectionLimits, StalledLargeWebhookBodiesAreCappedAndCut) {
  const std::string sha = create_repository_running("echo built");
  start();
  for (int i = 0; i < 20; ++i) open_connections();  // warm the server up before measuring it
  const std::size_t before = resident_bytes(server_pid());

  constexpr std::size_t declared = 25 * MiB, sent = 24 * MiB;
  const std::string head = "POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "X-GitHub-Event: push\r\nX-GitHub-Delivery: stall\r\nContent-Length: " +
                           std::to_string(declared) + "\r\n\r\n";
  const std::string body(sent, ' ');
  std::vector<std::unique_ptr<http::testing::RawSocket>> attackers;
  std::vector<int> refused(16, 0);
  std::vector<std::thread> senders;
  for (int i = 0; i < 16; ++i) {
    attackers.push_back(std::make_unique<http::testing::RawSocket>(port(), kAttacker));
    ASSERT_TRUE(attackers.back()->connected());
  }
  for (int i = 0; i < 16; ++i) {
    senders.emplace_back([&, i] {
      auto& socket = *attackers[i];
      socket.send(head);
      // A refusal comes before the body is read: 429 at once.
      const std::string answer = socket.read_until("\r\n", 500ms);
      refused[i] = answer.find(" 429 ") != std::string::npos;
      if (!refused[i]) socket.send(body);  // blocks until the server took it all
    });
  }
  for (auto& sender : senders) sender.join();
  const int admitted = 16 - std::count(refused.begin(), refused.end(), 1);
  EXPECT_EQ(admitted, 1) << "the address's 32 MiB budget takes one 25 MiB body";

  // The server holds the admitted body and nothing of the others. Bound: the
  // per-address budget (32 MiB), plus 16 MiB of buffers and allocator slack.
  const std::size_t during = resident_bytes(server_pid());
  RecordProperty("rss_before_kib", std::to_string(before / 1024));
  RecordProperty("rss_during_kib", std::to_string(during / 1024));
  EXPECT_LT(during, before + 48 * MiB) << "before " << before / MiB << " MiB, during " << during / MiB << " MiB";

  // Meanwhile another address's webhook is taken at once.
  EXPECT_FALSE(push_hook("refs/heads/main", sha).empty());

  // The stalled body is cut at its deadline: 10 s plus 25 MiB at 1 MiB/s.
  for (int i = 0; i < 16; ++i) {
    if (refused[i]) continue;
    EXPECT_TRUE(attackers[i]->closed_by_peer_within(45s)) << "a stalled body held its connection past its deadline";
  }
  EXPECT_TRUE(wait_until([&] { return resident_bytes(server_pid()) < before + 16 * MiB; }, 5s))
      << "the cut body's memory was not given back: " << resident_bytes(server_pid()) / MiB << " MiB, before "
      << before / MiB << " MiB";
}

// The whole of a log stream, read until the server ends it.
std::vector<ServerEvent> view_log(std::uint16_t port, const std::string& execution, const std::string& token) {
  http::testing::RawSocket socket{port};
  socket.send("GET /api/v1/executions/" + execution +
              "/log/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + token +
              "\r\n\r\n");
  const std::string head = socket.read_until("\r\n\r\n");
  if (!head.starts_with("HTTP/1.1 200")) throw std::runtime_error("log stream refused: " + head);
  const std::string body = socket.read_until("\x01", 10s);  // no such byte: everything until the server closes
  if (!socket.closed_by_peer_within(1s)) throw std::runtime_error("the log stream did not end");
  return parse_events(body);
}

// A build printing 600 lines of 111 bytes, 001-000… to 600-000…: a 66 KB log.
std::string long_log_command() { return "for i in $(seq -w 600); do echo $i-" + std::string(106, '0') + "; done"; }

std::string text_of(const ServerEvent& event) { return json::parse(event.data)["text"]; }

TEST_F(ConnectionLimits, ViewsOfAFinishedLogLeaveMemoryFlat) {
  const std::string sha = create_repository_running(long_log_command());
  start();
  const json view = wait_for_end(push_hook("refs/heads/main", sha));
  ASSERT_EQ(view["status"], "success") << view.dump(1);
  const std::string execution = first_execution(view, "job")["id"];
  const std::string token = admin_token();

  // Every stored line, then the end.
  const std::size_t lines = get("/api/v1/executions/" + execution + "/log?limit=1000")["lines"].size();
  ASSERT_GE(lines, 600u);
  const auto whole_log = [&](const std::vector<ServerEvent>& events) {
    return events.size() == lines + 1 && events.back().event == "end" && events[lines - 1].event == "line" &&
           text_of(events[lines - 1]).starts_with("600-");
  };
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(whole_log(view_log(port(), execution, token)));  // a steady state first
  const std::size_t before = resident_bytes(server_pid());
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3'000; ++i) ASSERT_TRUE(whole_log(view_log(port(), execution, token))) << "view " << i;
  const std::size_t after = resident_bytes(server_pid());
  RecordProperty("rss_before_kib", std::to_string(before / 1024));
  RecordProperty("rss_after_kib", std::to_string(after / 1024));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 50s);
  EXPECT_LT(after, before + 10 * MiB) << "before " << before / MiB << " MiB, after " << after / MiB << " MiB";
}

// Viewers of a running execution that leave take their listeners with them.
TEST_F(ConnectionLimits, ViewersLeavingARunningLogLeaveMemoryFlat) {
  const std::string sha = create_repository_running(long_log_command() + "; sleep 120");
  start();
  const std::string workflow = push_hook("refs/heads/main", sha);
  std::string execution;
  ASSERT_TRUE(wait_until(
      [&] {
        const json found = first_execution(this->workflow(workflow), "job");
        if (!found.is_null() && found["status"] == "running") execution = found["id"];
        return !execution.empty();
      },
      30s, 200ms));
  const std::string token = admin_token();
  // A viewer reads up to the last line printed, then closes its connection.
  const auto leave_after_backlog = [&](std::chrono::milliseconds timeout) {
    http::testing::RawSocket socket{port()};
    socket.send("GET /api/v1/executions/" + execution +
                "/log/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n");
    return socket.read_until("600-", timeout).ends_with("600-");
  };
  ASSERT_TRUE(leave_after_backlog(30s)) << "the build did not print its log";
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(leave_after_backlog(10s));
  const std::size_t before = resident_bytes(server_pid());
  for (int i = 0; i < 2'000; ++i) ASSERT_TRUE(leave_after_backlog(10s)) << "view " << i;
  // The server learns of each departure as it reads the closed socket.
  EXPECT_TRUE(wait_until([&] { return resident_bytes(server_pid()) < before + 10 * MiB; }, 5s))
      << "before " << before / MiB << " MiB, after " << resident_bytes(server_pid()) / MiB << " MiB";
  RecordProperty("rss_before_kib", std::to_string(before / 1024));
  RecordProperty("rss_after_kib", std::to_string(resident_bytes(server_pid()) / 1024));
}

}  // namespace
}  // namespace clitest
