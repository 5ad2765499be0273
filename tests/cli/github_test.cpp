// FactoryCI as a GitHub App, end to end with real processes: `factory
// server` talks to the stand-in GitHub (tests/github/github_standin.h; real
// GitHub is not reachable from the test machines), which delivers signed
// webhooks to it; the repository is private, served over smart HTTP by
// lighttpd + `git http-backend`, and refuses anyone without an installation
// token the stand-in issued. The agent must fetch with the token the server
// got for its workflow, which shows in no log; each pipeline's commit status
// reaches GitHub; a push delivered while the server was down is recovered.
#include <fstream>

#include "cli/ci_server.h"
#include "github_standin.h"

namespace {

using clitest::contains;
using clitest::json;
using clitest::quote;
using clitest::read_file;
using clitest::shell;
using clitest::trimmed;
using clitest::wait_until;
using githubtest::GitHubStandin;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kSecret = "github-e2e-secret";

class GitHubApp : public ::testing::Test {
 protected:
  GitHubApp() {
    standin_.add_repository("acme/rocket");
    // The git server accepts the latest token GitHub issued (user x-access-token).
    standin_.on_token_issued([this](const std::string& token) {
      std::ofstream{root_.path() / "git-users"} << "x-access-token:" << token << "\n";
    });
    std::ofstream{root_.path() / "git-users"};
    std::ofstream{root_.path() / "app.pem"} << standin_.app_key().private_pem();
    port_ = clitest::free_port();
  }
  void TearDown() override {
    if (HasFailure())
      for (const char* log : {"server.log", "lighttpd.log", "commands.log"})
        std::cerr << "----- " << log << "\n" << read_file(root_.path() / log);
  }
  ~GitHubApp() override {
    server_.reset();
    git_server_.reset();
    clitest::kill_processes_under(root_.path());
  }

  std::string run(const std::string& command) {
    const auto outcome = shell(command + " 2>>" + quote((root_.path() / "commands.log").string()));
    if (outcome.exit_code != 0) throw std::runtime_error(command + " failed");
    return trimmed(outcome.output);
  }

  // A repository with one pipeline whose execution shows what git kept.
  std::string create_repository() {
    const fs::path work = root_.path() / "work";
    fs::create_directories(work / ".factory");
    std::ofstream{work / ".factory" / "ci.hcl"} << R"(pipeline "build" {
  stage "only" {
    exec "show" {
      run = "cat README.md && git config --list --show-origin"
    }
  }
}
)";
    std::ofstream{work / "README.md"} << "private rocket plans\n";
    const std::string git = "git -C " + quote(work.string()) + " -c user.name=Tests -c user.email=t@example.com ";
    run(git + "init -q -b main");
    run(git + "add -A");
    run(git + "commit -q -m init");
    run("git clone -q --bare " + quote(work.string()) + " " + quote(bare().string()));
    return run(git + "rev-parse HEAD");
  }
  fs::path bare() const { return root_.path() / "git" / "acme" / "rocket.git"; }

  void start_git_server() {
    const std::uint16_t port = clitest::free_port();
    const fs::path root = root_.path();
    std::ofstream{root / "lighttpd.conf"} << "server.document-root = \"" << (root / "git").string() << "\"\n"
        << "server.bind = \"127.0.0.1\"\nserver.port = " << port << "\n"
        << "server.errorlog = \"" << (root / "lighttpd.log").string() << "\"\n"
        << "server.modules = (\"mod_auth\", \"mod_authn_file\", \"mod_alias\", \"mod_cgi\", \"mod_setenv\")\n"
        << "auth.backend = \"plain\"\nauth.backend.plain.userfile = \"" << (root / "git-users").string() << "\"\n"
        << "auth.require = (\"/git\" => (\"method\" => \"basic\", \"realm\" => \"git\",\n"
        << "                              \"require\" => \"valid-user\"))\n"
        << "alias.url = (\"/git\" => \"/usr/lib/git-core/git-http-backend\")\n"
        << "$HTTP[\"url\"] =~ \"^/git\" {\n  cgi.assign = (\"\" => \"\")\n"
        << "  setenv.add-environment = (\"GIT_PROJECT_ROOT\" => \"" << (root / "git").string()
        << "\", \"GIT_HTTP_EXPORT_ALL\" => \"\", \"GIT_CONFIG_GLOBAL\" => \"/dev/null\")\n}\n";
    git_server_ = std::make_unique<clitest::Process>(
        std::vector<std::string>{"lighttpd", "-D", "-f", (root / "lighttpd.conf").string()}, root / "lighttpd.log");
    clone_url_ = "http://127.0.0.1:" + std::to_string(port) + "/git/acme/rocket.git";
    // Up once it refuses a fetch without credentials (401), as a private repository does.
    const bool up = wait_until([&] {
      return contains(shell("curl -s -o /dev/null -w '%{http_code}' " + clone_url_ +
                            "/info/refs?service=git-upload-pack").output, "401");
    }, 10s, 50ms);
    if (!up) throw std::runtime_error("lighttpd did not start:\n" + read_file(root / "lighttpd.log"));
  }

  void start_server() {
    const std::size_t earlier_runs = server_log().size();  // a restarted server appends to the log
    server_ = std::make_unique<clitest::Process>(
        std::vector<std::string>{testpaths::factory_binary().string(), "server", "--data-dir",
                                 (root_.path() / "data").string(), "--listen", "127.0.0.1:" + std::to_string(port_),
                                 "--log-level", "warn", "--public-url", url(), "--github-api-url", standin_.url(),
                                 "--github-app-id", GitHubStandin::kAppId, "--github-app-key",
                                 (root_.path() / "app.pem").string()},
        root_.path() / "server.log");
    const std::string announcement = "listening on " + url();
    if (!wait_until([&] { return server_log().find(announcement, earlier_runs) != std::string::npos; }, 20s))
      throw std::runtime_error("factory server did not start:\n" + server_log());
    admin_ = trimmed(read_file(root_.path() / "data" / "admin.token"));
    client_ = std::make_unique<http::testing::Client>(port_);
  }
  void restart_server() {
    server_->stop(SIGTERM);
    start_server();
  }

  http::testing::Reply api(const std::string& method, const std::string& target, const json& body = nullptr) {
    return client_->request(method, target, body.is_null() ? "" : body.dump(),
                            {"Authorization: Bearer " + admin_, "Content-Type: application/json"});
  }
  std::string create_project() {
    auto reply = api("POST", "/api/v1/projects",
                     {{"owner", "acme"}, {"name", "rocket"}, {"url", clone_url_}, {"webhook_secret", kSecret}});
    if (reply.status != 201) throw std::runtime_error("project not created: " + reply.body);
    const json project = json::parse(reply.body);
    hook_id_ = project["github_hook_id"];
    return project["id"];
  }

  std::string push_payload(const std::string& sha) const {
    return json{{"ref", "refs/heads/main"},
                {"before", std::string(40, '0')},
                {"after", sha},
                {"head_commit", {{"id", sha}}},
                {"commits", json::array()},
                {"repository",
                 {{"full_name", "acme/rocket"},
                  {"name", "rocket"},
                  {"owner", {{"login", "acme"}}},
                  {"private", true},
                  {"html_url", "https://github.com/acme/rocket"},
                  {"clone_url", clone_url_},
                  {"ssh_url", "git@github.com:acme/rocket.git"}}}}
        .dump();
  }

  // The project's workflows, once `count` of them ended.
  json ended_workflows(const std::string& project, std::size_t count) {
    json page;
    const bool ended = wait_until([&] {
      page = json::parse(api("GET", "/api/v1/projects/" + project + "/workflows").body);
      std::size_t done = 0;
      for (const auto& workflow : page["items"])
        done += workflow["status"] != "queued" && workflow["status"] != "running";
      return done >= count;
    }, 60s, 100ms);
    if (!ended) throw std::runtime_error("workflows did not end: " + page.dump(1));
    return page["items"];
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string server_log() const { return read_file(root_.path() / "server.log"); }
  // Everything FactoryCI wrote: the server's log and its agents' logs.
  std::string factory_logs() const {
    std::string text = server_log();
    std::error_code ignored;
    for (const auto& entry : fs::recursive_directory_iterator(root_.path() / "data", ignored))
      if (entry.path().extension() == ".log") text += read_file(entry.path());
    return text;
  }

  testpaths::TempDir root_{"factory-github"};
  GitHubStandin standin_;
  std::uint16_t port_ = 0;
  std::string clone_url_;
  std::string admin_;
  std::int64_t hook_id_ = 0;
  std::unique_ptr<clitest::Process> git_server_;
  std::unique_ptr<clitest::Process> server_;
  std::unique_ptr<http::testing::Client> client_;
};

TEST_F(GitHubApp, ASignedPushOfAPrivateRepositoryRunsWithTheInstallationToken) {
  const std::string sha = create_repository();
  start_git_server();
  ASSERT_NE(shell("GIT_TERMINAL_PROMPT=0 git ls-remote " + clone_url_ + " >/dev/null 2>&1").exit_code, 0)
      << "the repository must be private";
  start_server();
  const std::string project = create_project();
  ASSERT_EQ(standin_.hooks().at(hook_id_)["config"]["url"], url() + "/hooks/github");

  ASSERT_EQ(standin_.deliver(hook_id_, "push", "delivery-1", push_payload(sha)), 202);
  const json workflow = ended_workflows(project, 1).at(0);
  const json view = json::parse(api("GET", "/api/v1/workflows/" + workflow["id"].get<std::string>()).body);
  ASSERT_EQ(view["status"], "success") << view.dump(1);
  const std::string execution = view["pipelines"][0]["stages"][0]["executions"][0]["id"];
  const json log = json::parse(api("GET", "/api/v1/executions/" + execution + "/log").body);
  std::string output;
  for (const auto& line : log["lines"]) output += line["text"].get<std::string>() + "\n";
  EXPECT_TRUE(contains(output, "private rocket plans")) << output;

  // Each workflow got its own token, limited to reading this repository,
  // and none shows in any log or in the workspace's git configuration.
  const auto clone_tokens = standin_.calls_to("POST", "/access_tokens");
  ASSERT_FALSE(clone_tokens.empty());
  EXPECT_EQ(clone_tokens.back().body["permissions"], (json{{"contents", "read"}}));
  for (const std::string& token : standin_.issued_tokens()) {
    EXPECT_FALSE(contains(output, token));
    EXPECT_FALSE(contains(factory_logs(), token));
    EXPECT_FALSE(contains(output, "extraheader"));
  }

  // The workflow's and the pipeline's statuses went to the commit: pending,
  // then success, linked to the workflow.
  ASSERT_TRUE(wait_until([&] { return standin_.statuses(sha).size() >= 4; }, 10s));
  std::vector<std::string> statuses;
  for (const json& status : standin_.statuses(sha)) {
    statuses.push_back(status["context"].get<std::string>() + " " + status["state"].get<std::string>());
    EXPECT_EQ(status["target_url"], url() + "/projects/" + project + "/workflows/" + workflow["id"].get<std::string>());
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"factory pending", "factory/build pending", "factory/build success",
                                                "factory success"}));

  // Deleting the project removes its hook.
  EXPECT_EQ(api("DELETE", "/api/v1/projects/" + project).status, 204);
  EXPECT_TRUE(standin_.hooks().empty());
}

TEST_F(GitHubApp, APushDeliveredWhileTheServerWasDownIsRecoveredAtStart) {
  const std::string sha = create_repository();
  start_git_server();
  start_server();
  const std::string project = create_project();
  server_->stop(SIGTERM);

  EXPECT_EQ(standin_.deliver(hook_id_, "push", "missed-1", push_payload(sha)), 0);  // nobody answered
  start_server();
  const json workflows = ended_workflows(project, 1);
  ASSERT_EQ(workflows.size(), 1u);
  EXPECT_EQ(workflows[0]["delivery_id"], "missed-1");
  EXPECT_EQ(workflows[0]["status"], "success");

  // Redelivered once: the next look finds the delivery succeeded.
  const std::size_t looks = standin_.calls_to("GET", "/deliveries").size();
  restart_server();
  ASSERT_TRUE(wait_until([&] { return standin_.calls_to("GET", "/deliveries").size() > looks; }, 10s));
  EXPECT_EQ(standin_.calls_to("POST", "/attempts").size(), 1u);
  EXPECT_EQ(ended_workflows(project, 1).size(), 1u);
}

}  // namespace
