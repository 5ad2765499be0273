// The database goes away under a running server and comes back: webhooks
// meanwhile get 503 (GitHub redelivers those), nothing is half-written, and
// the server recovers by itself. The test runs a MariaDB server of its own,
// so that stopping it disturbs no other test.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>

#include "cli/ci_server.h"

namespace {

namespace fs = std::filesystem;
using clitest::CiServer;
using clitest::json;
using clitest::quote;
using clitest::shell;
using clitest::wait_until;
using namespace std::chrono_literals;

// A throwaway MariaDB on a loopback port, stopped and started again on the
// same data directory and port (as scripts/test-databases.sh starts one).
class MariaDb {
 public:
  explicit MariaDb(const fs::path& dir) : dir_{dir}, port_{clitest::free_port()} {
    must("mariadb-install-db --no-defaults --datadir=" + quote(data().string()) +
         " --user=root --auth-root-authentication-method=normal --skip-test-db >" +
         quote((dir_ / "mariadb-install.log").string()) + " 2>&1");
    start();
    must("mariadb --no-defaults --socket=" + quote(socket()) + " -uroot -e \"CREATE DATABASE factory;"
         " CREATE USER 'factory'@'127.0.0.1' IDENTIFIED BY 'factory';"
         " GRANT ALL PRIVILEGES ON factory.* TO 'factory'@'127.0.0.1';\"");
  }

  void start() {
    process_.emplace(std::vector<std::string>{mariadbd(), "--no-defaults", "--datadir=" + data().string(),
                                              "--socket=" + socket(), "--port=" + std::to_string(port_),
                                              "--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve",
                                              "--innodb-buffer-pool-size=64M"},
                     dir_ / "mariadb.log");  // a .log in the test's directory: shown when the test fails
    const std::string ping = "mariadb-admin --no-defaults --socket=" + quote(socket()) + " -uroot ping >/dev/null 2>&1";
    if (!wait_until([&] { return shell(ping).exit_code == 0; }, 60s, 100ms))
      throw std::runtime_error("mariadbd did not start:\n" + clitest::read_file(dir_ / "mariadb.log"));
  }
  // SIGTERM: a clean shutdown, as `systemctl stop` does.
  void stop() { process_.reset(); }

  std::string url() const { return "mysql://factory:factory@127.0.0.1:" + std::to_string(port_) + "/factory"; }

 private:
  // Debian puts it in /usr/sbin, which a user's PATH may lack.
  static std::string mariadbd() { return fs::exists("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd"; }
  fs::path data() const { return dir_ / "mariadb"; }
  std::string socket() const { return (dir_ / "mariadb.sock").string(); }
  static void must(const std::string& command) {
    if (shell(command).exit_code != 0) throw std::runtime_error("failed: " + command);
  }

  fs::path dir_;
  std::uint16_t port_;
  std::optional<clitest::Process> process_;
};

// How long the database stays away: 3 s in the normal run, the full 10 s
// with FACTORY_LONG_TESTS=1 (README).
std::chrono::milliseconds outage_length() {
  const char* long_tests = std::getenv("FACTORY_LONG_TESTS");
  return long_tests && std::string{long_tests} == "1" ? 10s : 3s;
}

class DatabaseOutage : public CiServer {
 protected:
  struct Answer {
    int status = 0;
    std::string workflow_id;  // of a queued delivery
    std::chrono::milliseconds took{};
  };

  // Sends delivery `delivery` of the push and keeps its answer.
  const Answer& send(const std::string& delivery) {
    const auto started = std::chrono::steady_clock::now();
    const auto reply = send_delivery(*hook_client_, "push", delivery, payload_);
    Answer answer{static_cast<int>(reply.status), "",
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)};
    if (reply.status == 202) answer.workflow_id = json::parse(reply.body)["id"];
    if (reply.status == 503) {
      EXPECT_EQ(json::parse(reply.body)["error"]["code"], "unavailable") << delivery << ": " << reply.body;
    }
    return answers_[delivery] = answer;
  }

  // Delivery id → the ids of its workflows, as the server stores them.
  std::map<std::string, std::vector<std::string>> stored_workflows() {
    const json page = get("/api/v1/projects/" + project_id() + "/workflows?limit=1000");
    EXPECT_TRUE(page["next"].is_null()) << "more workflows than one page holds";
    std::map<std::string, std::vector<std::string>> stored;
    for (const auto& workflow : page["items"]) stored[workflow["delivery_id"]].push_back(workflow["id"]);
    return stored;
  }

  std::optional<MariaDb> mariadb_;
  std::unique_ptr<http::testing::Client> hook_client_;
  json payload_;
  std::map<std::string, Answer> answers_;  // by delivery id
};

TEST_F(DatabaseOutage, WebhooksGet503AndTheServerRecoversByItself) {
  // scripts/setup.sh installs MariaDB; a machine without it cannot run this.
  if (shell("command -v mariadb-install-db >/dev/null").exit_code != 0)
    GTEST_SKIP() << "MariaDB is not installed";
  write_file("README", "rocket\n");
  const std::string sha = create_repository();
  mariadb_.emplace(root());
  start({"--provisioner", "pool", "--database", mariadb_->url()});  // no agent: workflows stay queued
  hook_client_ = std::make_unique<http::testing::Client>(port());
  payload_ = push_payload("refs/heads/main", sha);
  ASSERT_EQ(send("before").status, 202);

  mariadb_->stop();
  const auto outage_ends = std::chrono::steady_clock::now() + outage_length();
  std::chrono::milliseconds slowest{};
  int refused_count = 0;
  for (; std::chrono::steady_clock::now() < outage_ends; ++refused_count) {
    const std::string delivery = "during-" + std::to_string(refused_count);
    const Answer& answer = send(delivery);
    EXPECT_EQ(answer.status, 503) << delivery;
    // GitHub gives up on a delivery after 10 s; an answer must come well before.
    EXPECT_LT(answer.took, 5s) << delivery;
    slowest = std::max(slowest, answer.took);
    std::this_thread::sleep_for(200ms);
  }

  mariadb_->start();
  const auto restarted = std::chrono::steady_clock::now();
  int after = 0;
  const bool recovered =
      wait_until([&] { return send("after-" + std::to_string(after++)).status == 202; }, 10s, 200ms);
  ASSERT_TRUE(recovered) << "the server did not recover without a restart";
  std::cerr << refused_count << " webhooks during the outage, slowest answer " << slowest.count()
            << " ms; recovered " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - restarted).count()
            << " ms after the database came back\n";

  // Nothing half-written: a queued delivery has its one workflow, a refused one none.
  auto stored = stored_workflows();
  std::vector<std::string> refused;
  for (const auto& [delivery, answer] : answers_) {
    if (answer.status == 202) {
      EXPECT_EQ(stored[delivery], std::vector<std::string>{answer.workflow_id}) << delivery;
    } else {
      EXPECT_EQ(answer.status, 503) << delivery;
      EXPECT_TRUE(stored[delivery].empty()) << delivery << " was refused but has a workflow";
      refused.push_back(delivery);
    }
  }
  ASSERT_FALSE(refused.empty()) << "no webhook arrived during the outage";

  // GitHub's redeliveries of the refused ones are queued now, once each.
  for (const auto& delivery : refused) EXPECT_EQ(send(delivery).status, 202) << delivery;
  stored = stored_workflows();
  for (const auto& delivery : refused)
    EXPECT_EQ(stored[delivery], std::vector<std::string>{answers_[delivery].workflow_id}) << delivery;
}

}  // namespace
