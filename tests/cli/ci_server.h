// A FactoryCI installation made of real processes on 127.0.0.1, for tests of
// the whole flow: a git repository served by `git daemon`, `factory server`
// on a throwaway data directory (with the agents it starts itself, or pool
// agents started here), a project for the repository, and webhooks signed as
// GitHub signs them. Everything lives in one temporary directory; tear-down
// stops every process started and whatever still works in that directory.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/processes.h"
#include "cli/shell.h"
#include "github/signature.h"
#include "http/test_client.h"
#include "temp_dir.h"
#include "test_paths.h"

namespace clitest {

namespace fs = std::filesystem;
using nlohmann::json;

inline constexpr const char* kWebhookSecret = "topsecret";
inline constexpr const char* kRepository = "acme/rocket";

inline std::string read_file(const fs::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

inline std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// One Server-Sent Event.
struct ServerEvent {
  std::string id, event, data;
};

// The events of an event stream's text (its body, after the HTTP head).
inline std::vector<ServerEvent> parse_events(const std::string& text) {
  std::vector<ServerEvent> events;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find("\n\n", start)) != std::string::npos; start = end + 2) {
    ServerEvent event;
    std::istringstream block(text.substr(start, end - start));
    for (std::string line; std::getline(block, line);) {
      if (line.starts_with("id: ")) event.id = line.substr(4);
      if (line.starts_with("event: ")) event.event = line.substr(7);
      if (line.starts_with("data: ")) event.data += line.substr(6);
    }
    events.push_back(std::move(event));
  }
  return events;
}

// A pipeline of a workflow's view, by name (null when the plan has none).
inline json pipeline(const json& workflow, const std::string& name) {
  for (const auto& each : workflow.value("pipelines", json::array()))
    if (each["name"] == name) return each;
  return nullptr;
}

// Pipeline name → status, to compare a workflow with what should have run.
inline std::map<std::string, std::string> pipeline_statuses(const json& workflow) {
  std::map<std::string, std::string> statuses;
  for (const auto& each : workflow.value("pipelines", json::array())) statuses[each["name"]] = each["status"];
  return statuses;
}

// The first execution of a pipeline (its first stage's first).
inline json first_execution(const json& workflow, const std::string& pipeline_name) {
  const json found = pipeline(workflow, pipeline_name);
  if (found.is_null() || found["stages"].empty() || found["stages"][0]["executions"].empty()) return nullptr;
  return found["stages"][0]["executions"][0];
}

class CiServer : public ::testing::Test {
 protected:
  // What every process wrote, to see why a test failed.
  void TearDown() override {
    if (HasFailure()) std::cerr << process_logs();
  }
  ~CiServer() override {
    try {
      agents_.clear();  // first, so that they report to a server still there
      server_.reset();  // it stops the agents it started
      git_daemon_.reset();
      kill_processes_under(root_.path());  // whatever an agent left behind
    } catch (const std::exception& error) {
      ADD_FAILURE() << "tear-down: " << error.what();
    }
  }

  // --- The repository: a work tree pushing to a bare one that git daemon serves.

  fs::path work_tree() const { return root_.path() / "work"; }
  fs::path bare_repository() const { return root_.path() / "git" / (std::string{kRepository} + ".git"); }

  void copy_into_work_tree(const fs::path& files) {
    fs::create_directories(work_tree());
    fs::copy(files, work_tree(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  void write_file(const std::string& relative, const std::string& text) {
    fs::create_directories((work_tree() / relative).parent_path());
    std::ofstream(work_tree() / relative) << text;
  }
  // Commits the work tree on `main` and makes the bare repository; the sha.
  std::string create_repository() {
    git("init -q -b main");
    const std::string sha = commit("init");
    run("git clone -q --bare " + quote(work_tree().string()) + " " + quote(bare_repository().string()));
    run("git -C " + quote(bare_repository().string()) + " config uploadpack.allowFilter true");
    return sha;
  }
  // A repository whose one pipeline, `pipeline`, runs `command` (no double
  // quotes in it) on every event; the commit's sha.
  std::string create_repository_running(const std::string& command, const std::string& pipeline = "job") {
    write_file(".factory/ci.hcl", "pipeline \"" + pipeline + "\" {\n  stage \"only\" {\n    exec \"step\" {\n      run = \"" +
                                      command + "\"\n    }\n  }\n}\n");
    return create_repository();
  }
  // Commits everything in the work tree on the current branch; the sha.
  std::string commit(const std::string& message) {
    git("add -A");
    git("commit -q -m " + quote(message));
    return git("rev-parse HEAD");
  }
  std::string git(const std::string& arguments) {
    return run("git -C " + quote(work_tree().string()) +
               " -c user.name=Tests -c user.email=tests@example.com " + arguments);
  }
  void push(const std::string& refspec) { git("push -q " + quote(bare_repository().string()) + " " + refspec); }

  // --- The processes.

  // git daemon, `factory server` with `server_flags`, and the project.
  void start(const std::vector<std::string>& server_flags = {}) {
    start_git_daemon();
    start_server(server_flags);
    create_project();
  }

  // `count` pool agents (for a server started with --provisioner pool),
  // named agent-0…, each working in agent_work_dir(i), with `flags` added
  // (--unsandboxed for builds that meet the test through files outside
  // their workspace).
  void start_pool_agents(int count, const std::vector<std::string>& flags = {}) {
    const std::string token = make_agent_token();
    for (int i = 0; i < count; ++i) {
      const std::string name = "agent-" + std::to_string(i);
      std::vector<std::string> argv{factory(), "agent", "--server", server_url_, "--name", name, "--work-dir",
                                    agent_work_dir(i).string(), "--jobs", "2"};
      argv.insert(argv.end(), flags.begin(), flags.end());
      agents_.push_back(std::make_unique<Process>(argv, root_.path() / (name + ".log"),
                                                  std::vector<std::string>{"FACTORY_AGENT_TOKEN=" + token}));
    }
  }
  fs::path agent_work_dir(int i) const { return root_.path() / "agents" / ("agent-" + std::to_string(i)); }

  // Stops the server with `signal` (SIGTERM lets it finish what it does,
  // SIGKILL does not), leaving its agents and data as they are.
  void stop_server(int signal) {
    if (server_) server_->stop(signal);  // none when SetUp skipped the test before starting it
  }
  // The server again, on the same port and data directory, with the same flags.
  void restart_server() { start_server(server_flags_, "127.0.0.1:" + std::to_string(port_)); }
  // Another server on the same data directory (so the same database) and
  // flags, on another port, as a second server behind a load balancer.
  void start_another_server() { start_server(server_flags_); }
  // An agent token for pool agents, in the data directory's database or in `database`.
  std::string make_agent_token(const std::string& database = {}) const {
    return run(quote(factory()) + " token create pool --agent --data-dir " + quote(data_dir()) +
               (database.empty() ? "" : " --database " + quote(database)));
  }

  // Live processes named `command` working in the test's directory.
  std::vector<ProcessInfo> running(const std::string& command) const {
    std::vector<ProcessInfo> found;
    for (auto& process : processes_under(root()))
      if (process.command == command) found.push_back(process);
    return found;
  }

  // --- The API, as the admin.

  http::testing::Reply api(const std::string& method, const std::string& target, const json& body = nullptr) {
    return client_->request(method, target, body.is_null() ? "" : body.dump(),
                            {"Authorization: Bearer " + admin_token_, "Content-Type: application/json"});
  }
  json get(const std::string& target) {
    auto reply = api("GET", target);
    if (reply.status != 200)
      throw std::runtime_error("GET " + target + ": " + std::to_string(reply.status) + " " + reply.body);
    return json::parse(reply.body);
  }
  // A new secret; `scope` may give its events, branches and pipelines.
  void put_secret(const std::string& name, const std::string& value, json scope = json::object()) {
    scope["value"] = value;
    auto reply = api("PUT", "/api/v1/projects/" + project_id_ + "/secrets/" + name, scope);
    ASSERT_EQ(reply.status, 201) << reply.body;
  }

  // Sends delivery `delivery` of `event` on `client`, signed as GitHub signs it.
  static http::testing::Reply send_delivery(http::testing::Client& client, const std::string& event,
                                            const std::string& delivery, const json& payload) {
    const std::string body = payload.dump();
    return client.request("POST", "/hooks/github", body,
                          {"Content-Type: application/json", "X-GitHub-Event: " + event,
                           "X-GitHub-Delivery: " + delivery,
                           "X-Hub-Signature-256: sha256=" + github::hmac_sha256_hex(kWebhookSecret, body)});
  }
  // Sends a new delivery of `event`; the id of the workflow it queued.
  std::string deliver(const std::string& event, const json& payload) {
    auto reply = send_delivery(*client_, event, "delivery-" + std::to_string(++deliveries_), payload);
    if (reply.status != 202)
      throw std::runtime_error("webhook not queued: " + std::to_string(reply.status) + " " + reply.body);
    return json::parse(reply.body)["id"];
  }
  json push_payload(const std::string& ref, const std::string& sha,
                    const std::vector<std::string>& changed = {}) const {
    json commits = json::array();
    if (!changed.empty())
      commits.push_back({{"added", changed}, {"modified", json::array()}, {"removed", json::array()}});
    return {{"ref", ref},
            {"before", std::string(40, '0')},
            {"after", sha},
            {"repository", repository_json()},
            {"head_commit", {{"id", sha}}},
            {"commits", commits}};
  }
  std::string push_hook(const std::string& ref, const std::string& sha, const std::vector<std::string>& changed = {}) {
    return deliver("push", push_payload(ref, sha, changed));
  }
  // A pull request opened from `branch` of `head_repository` into `target`
  // (or with `action` "synchronize", a new push to it) by an author whose
  // relation to the repository is `author_association`.
  std::string pull_request_hook(const std::string& branch, const std::string& sha, const std::string& target,
                                const std::string& head_repository = kRepository,
                                const std::string& action = "opened", const std::string& author_association = "NONE") {
    return deliver("pull_request",
                   {{"action", action},
                    {"number", 1},
                    {"pull_request",
                     {{"number", 1},
                      {"author_association", author_association},
                      {"head", {{"ref", branch}, {"sha", sha}, {"repo", {{"full_name", head_repository}}}}},
                      {"base", {{"ref", target}, {"repo", {{"full_name", kRepository}}}}}}},
                    {"repository", repository_json()}});
  }

  json workflow(const std::string& id) { return get("/api/v1/workflows/" + id); }
  // The workflow's view once it ended; throws if it did not within `timeout`.
  json wait_for_end(const std::string& id, std::chrono::milliseconds timeout = 30s) {
    json view;
    const bool ended = wait_until(
        [&] {
          view = workflow(id);
          const std::string status = view["status"];
          return status != "waiting_for_approval" && status != "queued" && status != "running";
        },
        timeout, 100ms);
    if (!ended) throw std::runtime_error("workflow " + id + " did not end: " + view.dump(1));
    return view;
  }

  // An execution's stored log: the JSON route's texts, one per line.
  std::string log(const json& execution) {
    const json page = get("/api/v1/executions/" + execution["id"].get<std::string>() + "/log");
    std::string text;
    for (const auto& line : page["lines"]) text += line["text"].get<std::string>() + "\n";
    return text;
  }
  std::string log_as_file(const json& execution) {
    return api("GET", "/api/v1/executions/" + execution["id"].get<std::string>() + "/log?format=text").body;
  }
  // An execution's log stream, read until its `end` event.
  std::vector<ServerEvent> log_stream(const json& execution) {
    http::testing::RawSocket socket{port_};
    socket.send("GET /api/v1/executions/" + execution["id"].get<std::string>() +
                "/log/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer " +
                admin_token_ + "\r\n\r\n");
    const std::string head = socket.read_until("\r\n\r\n");
    EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
    std::string body = socket.read_until("event: end\n");
    body += socket.read_until("\n\n");
    return parse_events(body);
  }

  std::string server_log() const { return read_file(root_.path() / "server.log"); }
  // The logs of the server, git daemon and every agent, each under its name.
  std::string process_logs() const {
    std::string text;
    for (const auto& dir : {root_.path(), work_dir()}) {
      std::error_code ignored;
      for (const auto& entry : fs::directory_iterator(dir, ignored))
        if (entry.path().extension() == ".log")
          text += "----- " + entry.path().filename().string() + "\n" + read_file(entry.path());
    }
    return text;
  }
  const std::string& project_id() const { return project_id_; }
  const fs::path& root() const { return root_.path(); }
  std::uint16_t port() const { return port_; }
  const std::string& server_url() const { return server_url_; }
  pid_t server_pid() const { return server_ ? server_->pid() : 0; }

 protected:
  std::string data_dir() const { return (root_.path() / "data").string(); }
  // Set before start(): variables the server (and so its agents) gets on top
  // of the test's, and a command its command line goes through (setpriv, to
  // run it as another user).
  std::vector<std::string> server_environment_;
  std::vector<std::string> server_wrapper_;
  // Set before start(): another `factory` program to run (its local agents
  // are the `factory-agent` beside it); empty for the one built here.
  std::string server_program_;
  // Where the server's local agents work (its default: beside the data directory).
  fs::path work_dir() const { return root_.path() / "data.work"; }
  // The workspace of workflow `id`'s first execution under work_dir(), or
  // empty while it has none. A sandboxed build sees no other folder of the
  // test's: a file a build waits for goes there.
  fs::path workspace_of(const std::string& id) const {
    std::error_code ignored;
    for (fs::recursive_directory_iterator it(work_dir(), ignored), end; it != end; it.increment(ignored)) {
      if (it->path().filename() == "workflow-" + id)
        return fs::is_directory(it->path() / "execution-0-0-0") ? it->path() / "execution-0-0-0" : fs::path{};
      if (it.depth() >= 1) it.disable_recursion_pending();
    }
    return {};
  }

 private:
  static std::string factory() { return testpaths::factory_binary().string(); }

  // A shell command's stdout, trimmed (its stderr goes to commands.log);
  // throws when it fails.
  std::string run(const std::string& command) const {
    const fs::path errors = root_.path() / "commands.log";
    auto outcome = shell(command + " 2>>" + quote(errors.string()));
    if (outcome.exit_code != 0) throw std::runtime_error(command + " failed:\n" + read_file(errors));
    return trimmed(outcome.output);
  }

  // Another test's server may take the port between free_port() and git
  // daemon's bind, so the daemon counts as started once it serves the
  // repository, and gets another port otherwise.
  void start_git_daemon() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      git_port_ = free_port();
      git_daemon_ = std::make_unique<Process>(
          std::vector<std::string>{"git", "daemon", "--reuseaddr", "--base-path=" + (root_.path() / "git").string(),
                                   "--export-all", "--listen=127.0.0.1", "--port=" + std::to_string(git_port_),
                                   (root_.path() / "git").string()},
          root_.path() / "git-daemon.log");
      const std::string list = "git ls-remote -q " + quote(clone_url()) + " >/dev/null 2>&1";
      if (wait_until([&] { return shell(list).exit_code == 0; }, 5s, 100ms)) return;
      git_daemon_.reset();
    }
    throw std::runtime_error("git daemon does not serve the repository:\n" +
                             read_file(root_.path() / "git-daemon.log"));
  }

  void start_server(const std::vector<std::string>& flags, const std::string& listen = "127.0.0.1:0") {
    server_flags_ = flags;
    std::vector<std::string> argv{server_program_.empty() ? factory() : server_program_, "server", "--data-dir", data_dir(), "--listen", listen,
                                  "--log-level", "warn"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.begin(), server_wrapper_.begin(), server_wrapper_.end());
    const std::size_t earlier_runs = server_log().size();  // a restarted server appends to the log
    server_ = std::make_unique<Process>(argv, root_.path() / "server.log", server_environment_);
    port_ = announced_port(root_.path() / "server.log", "listening on http://127.0.0.1:", 20s, earlier_runs);
    server_url_ = "http://127.0.0.1:" + std::to_string(port_);
    admin_token_ = trimmed(read_file(root_.path() / "data" / "admin.token"));
    client_ = std::make_unique<http::testing::Client>(port_);
  }

  void create_project() {
    auto reply = api("POST", "/api/v1/projects",
                     {{"owner", "acme"}, {"name", "rocket"}, {"url", clone_url()}, {"webhook_secret", kWebhookSecret}});
    if (reply.status != 201) throw std::runtime_error("project not created: " + reply.body);
    project_id_ = json::parse(reply.body)["id"];
  }

  std::string clone_url() const {
    return "git://127.0.0.1:" + std::to_string(git_port_) + "/" + kRepository + ".git";
  }
  json repository_json() const {
    return {{"full_name", kRepository},
            {"name", "rocket"},
            {"owner", {{"login", "acme"}}},
            {"html_url", "https://github.example/acme/rocket"},
            {"clone_url", clone_url()},
            {"ssh_url", "git@github.example:acme/rocket.git"}};
  }

  testpaths::TempDir root_{"factory-ci"};  // first: removed after every process stopped
  std::uint16_t git_port_ = 0;
  std::uint16_t port_ = 0;
  std::string server_url_;
  std::string admin_token_;
  std::string project_id_;
  std::vector<std::string> server_flags_;
  int deliveries_ = 0;
  std::unique_ptr<http::testing::Client> client_;
  std::unique_ptr<Process> git_daemon_;
  std::unique_ptr<Process> server_;
  std::vector<std::unique_ptr<Process>> agents_;
};

}  // namespace clitest
