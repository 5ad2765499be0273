// The whole flow with real processes: webhooks into `factory server`, the
// queue, build agents fetching from `git daemon`, and the results read back
// through the REST API and the log stream.
#include <set>
#include <sstream>

#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::first_execution;
using clitest::json;
using clitest::lines_of;
using clitest::pipeline_statuses;
using clitest::wait_until;
using Statuses = std::map<std::string, std::string>;
using namespace std::chrono_literals;

class LoggedRuns : public CiServer {
 protected:
  // Joined after the execution ended, the stream sends every stored line
  // (id: its seq, data: its JSON view), then `end`.
  void expect_stream_sends_stored_log(const json& execution) {
    const json stored = get("/api/v1/executions/" + execution["id"].get<std::string>() + "/log")["lines"];
    const auto events = log_stream(execution);
    ASSERT_EQ(events.size(), stored.size() + 1);
    for (std::size_t i = 0; i < stored.size(); ++i) {
      EXPECT_EQ(events[i].event, "line");
      EXPECT_EQ(events[i].id, std::to_string(stored[i]["seq"].get<int>()));
      EXPECT_EQ(json::parse(events[i].data), stored[i]);
    }
    EXPECT_EQ(events.back().event, "end");
  }
};

// ../shared/examples/multi-file/EXPECT.md, each row delivered as a webhook.
TEST_F(LoggedRuns, MultiFileExampleRunsWhatItsEventsSelect) {
  copy_into_work_tree(testpaths::shared_dir() / "examples" / "multi-file");
  create_repository();
  start();

  write_file("src/a.txt", "a, changed\n");
  const std::string code_change = commit("change a");
  write_file("src/README.md", "only words\n");
  const std::string docs_change = commit("change the readme");
  push("main");
  git("tag v1.2.0 " + code_change);
  git("tag v1.3.0-rc1 " + code_change);
  push("--tags");
  git("checkout -q -b feature/x");
  write_file("src/b.txt", "b, changed\n");
  const std::string feature = commit("change b");
  push("feature/x");

  const std::string code = push_hook("refs/heads/main", code_change, {"src/a.txt"});
  const std::string docs = push_hook("refs/heads/main", docs_change, {"src/README.md"});
  const std::string branch = push_hook("refs/heads/feature/x", feature, {"src/b.txt"});
  const std::string pull = pull_request_hook("feature/x", feature, "main");
  const std::string release = push_hook("refs/tags/v1.2.0", code_change);
  const std::string candidate = push_hook("refs/tags/v1.3.0-rc1", code_change);

  const json built = wait_for_end(code);
  EXPECT_EQ(built["status"], "success");
  EXPECT_EQ(pipeline_statuses(built), (Statuses{{"lint", "success"}, {"build", "success"}, {"release", "skipped"}}));
  EXPECT_LE(clitest::pipeline(built, "lint")["finished_at"], clitest::pipeline(built, "build")["started_at"]);
  const json make = first_execution(built, "build");
  ASSERT_FALSE(make.is_null()) << built.dump(1);
  EXPECT_EQ(make["name"], "make");
  EXPECT_TRUE(contains(log(make), "built main\n")) << log(make);
  expect_stream_sends_stored_log(make);

  const json docs_only = wait_for_end(docs);
  EXPECT_EQ(docs_only["status"], "success");
  EXPECT_EQ(pipeline_statuses(docs_only),
            (Statuses{{"lint", "success"}, {"build", "skipped"}, {"release", "skipped"}}));

  const json other_branch = wait_for_end(branch);
  EXPECT_EQ(other_branch["status"], "success");
  EXPECT_EQ(pipeline_statuses(other_branch),
            (Statuses{{"lint", "success"}, {"build", "skipped"}, {"release", "skipped"}}));

  const json pull_request = wait_for_end(pull);
  EXPECT_EQ(pull_request["status"], "success");
  EXPECT_EQ(pipeline_statuses(pull_request),
            (Statuses{{"lint", "success"}, {"build", "success"}, {"release", "skipped"}}));

  const json released = wait_for_end(release);
  EXPECT_EQ(released["status"], "success");
  EXPECT_EQ(pipeline_statuses(released), (Statuses{{"lint", "skipped"}, {"build", "skipped"}, {"release", "success"}}));
  const json announce = first_execution(released, "release");
  ASSERT_FALSE(announce.is_null()) << released.dump(1);
  EXPECT_TRUE(contains(log(announce), "releasing V1.2.0\n")) << log(announce);

  const json nothing = wait_for_end(candidate);
  EXPECT_EQ(nothing["status"], "skipped") << nothing.dump(1);
  for (const auto& [name, status] : pipeline_statuses(nothing)) EXPECT_EQ(status, "skipped") << name;
}

TEST_F(LoggedRuns, LogStreamOfAFinishedExecutionSendsEveryLineThenEnd) {
  const std::string sha =
      create_repository_running("for i in 1 2 3 4 5; do echo line $i; done; echo to stderr >&2", "count");
  start();
  const json finished = wait_for_end(push_hook("refs/heads/main", sha));
  ASSERT_EQ(finished["status"], "success") << finished.dump(1);
  const json execution = first_execution(finished, "count");

  expect_stream_sends_stored_log(execution);
  EXPECT_TRUE(contains(log(execution), "line 1\nline 2\nline 3\nline 4\nline 5\n")) << log(execution);
  EXPECT_TRUE(contains(log(execution), "to stderr\n"));
}

// A program printing far more lines between two sends than the server takes
// in one append: the agent sends them in several batches, the execution's
// status after its last line, and the whole log is stored.
TEST_F(LoggedRuns, AFloodOfOutputIsStoredWhole) {
  const std::string sha = create_repository_running("seq 100000", "flood");
  start();
  const json finished = wait_for_end(push_hook("refs/heads/main", sha), 60s);
  ASSERT_EQ(finished["status"], "success") << finished.dump(1);
  const json execution = first_execution(finished, "flood");
  EXPECT_EQ(execution["status"], "success");
  const auto lines = lines_of(log_as_file(execution));
  ASSERT_EQ(lines.size(), 100000u);
  EXPECT_EQ(lines.front(), "1");
  EXPECT_EQ(lines.back(), "100000");

  // About 10 MB of events, more than a stream may queue at once: the
  // backlog goes out a piece at a time, whole, then the end.
  const auto events = log_stream(execution);
  ASSERT_EQ(events.size(), 100001u);
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(json::parse(events[99999].data)["text"], "100000");
  EXPECT_EQ(events.back().event, "end");
}

// Three pool agents share twenty workflows; each runs exactly once. (Each
// takes a moment, so that an agent slow to connect still gets some.) Each
// run logs its workflow and workspace: a file outside the workspace is out
// of a sandboxed build's reach.
TEST_F(CiServer, PoolAgentsRunEachWorkflowOnce) {
  write_file(".factory/ci.hcl", R"(pipeline "record" {
  stage "record" {
    exec "append" {
      run = "echo \"ran $FACTORY_WORKFLOW_ID $PWD\" && sleep 0.2"
    }
  }
})");
  const std::string sha = create_repository();
  start({"--provisioner", "pool"});
  start_pool_agents(3);

  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.insert(push_hook("refs/heads/main", sha));
  ASSERT_EQ(ids.size(), 20u);
  std::vector<std::string> lines;
  for (const auto& id : ids) {
    const json view = wait_for_end(id);
    EXPECT_EQ(view["status"], "success") << view.dump(1);
    EXPECT_EQ(view["attempt"], 1);
    for (const auto& line : lines_of(log(first_execution(view, "record"))))
      if (line.starts_with("ran ")) lines.push_back(line.substr(4));
  }

  std::set<std::string> recorded;
  std::set<int> agents;
  for (const auto& line : lines) {
    const auto space = line.find(' ');
    recorded.insert(line.substr(0, space));
    for (int agent = 0; agent < 3; ++agent)
      if (line.substr(space + 1).starts_with(agent_work_dir(agent).string() + "/")) agents.insert(agent);
  }
  EXPECT_EQ(lines.size(), 20u);
  EXPECT_EQ(recorded, ids);
  EXPECT_EQ(agents, (std::set<int>{0, 1, 2})) << "every agent ran some workflows";
}

const char* kSecretValue = "s3cr3t-hunter2";

// A secret's value never shows in a log; forks' pull requests do not get it.
TEST_F(CiServer, SecretsAreMaskedAndWithheldFromForks) {
  write_file(".factory/ci.hcl", R"(pipeline "deploy" {
  stage "deploy" {
    exec "show" {
      run = "echo \"key: $${DEPLOY_KEY:-unset}\""
    }
  }
})");
  const std::string sha = create_repository();
  push(sha + ":refs/pull/1/head");  // where GitHub keeps a fork's commits
  start();
  put_secret("DEPLOY_KEY", kSecretValue);

  const json own = wait_for_end(push_hook("refs/heads/main", sha));
  ASSERT_EQ(own["status"], "success") << own.dump(1);
  const json shown = first_execution(own, "deploy");
  EXPECT_TRUE(contains(log(shown), "key: ***\n")) << log(shown);
  EXPECT_TRUE(contains(log_as_file(shown), "key: ***\n")) << log_as_file(shown);
  std::string streamed;
  for (const auto& event : log_stream(shown)) streamed += event.data + "\n";
  EXPECT_TRUE(contains(streamed, "key: ***")) << streamed;
  for (const auto& text : {log(shown), log_as_file(shown), streamed})
    EXPECT_FALSE(contains(text, kSecretValue)) << text;

  const std::string fork_id = pull_request_hook("patch-1", sha, "main", "mallory/rocket");
  ASSERT_EQ(api("POST", "/api/v1/workflows/" + fork_id + "/approve").status, 200);  // it waits for approval
  const json fork = wait_for_end(fork_id);
  ASSERT_EQ(fork["status"], "success") << fork.dump(1);
  EXPECT_TRUE(fork["event"]["from_fork"].get<bool>());
  EXPECT_TRUE(contains(log(first_execution(fork, "deploy")), "key: unset\n")) << log(first_execution(fork, "deploy"));
}

// A combination the matrix excludes, and stages and executions whose `when`
// is false, reach the API skipped, each with its reason.
TEST_F(CiServer, SkipReasonsReachTheApi) {
  write_file(".factory/ci.hcl", R"(pipeline "test" {
  matrix {
    os      = ["linux", "mac"]
    exclude = [{ os = "mac" }]
  }
  stage "build" {
    exec "compile" {
      run = "echo compiled"
    }
    exec "package" {
      run  = "echo packaged"
      when = event.branch == "release"
    }
  }
  stage "publish" {
    when = event.tag != ""
    exec "upload" {
      run = "echo uploaded"
    }
  }
})");
  const std::string sha = create_repository();
  start();

  const json view = wait_for_end(push_hook("refs/heads/main", sha));
  ASSERT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(pipeline_statuses(view), (Statuses{{"test (linux)", "success"}, {"test (mac)", "skipped"}}));
  EXPECT_EQ(clitest::pipeline(view, "test (mac)")["status_reason"], "excluded by { os = \"mac\" }");
  const json stages = clitest::pipeline(view, "test (linux)")["stages"];
  EXPECT_EQ(stages[0]["status"], "success");
  EXPECT_EQ(stages[0]["executions"][0]["status"], "success");
  const json& package = stages[0]["executions"][1];
  EXPECT_EQ(package["status"], "skipped");
  EXPECT_EQ(package["status_reason"], "when: event.branch == \"release\" is false");
  EXPECT_TRUE(log(package).empty()) << log(package);
  EXPECT_EQ(stages[1]["status"], "skipped");
  EXPECT_EQ(stages[1]["status_reason"], "when: event.tag != \"\" is false");
  EXPECT_EQ(stages[1]["executions"][0]["status"], "skipped");
  EXPECT_EQ(stages[1]["executions"][0]["status_reason"], "when: event.tag != \"\" is false");
}

// The agent checks out `.factory/` alone before planning, and the partial
// clone leaves files over 256 KiB for later: hashfiles() still hashes the
// whole commit, as docs/configuration.md's shell lines do.
TEST_F(CiServer, HashfilesHashesTheWholeCommit) {
  write_file(".factory/ci.hcl", R"(pipeline "keys" {
  stage "s" {
    exec "print" {
      run = "echo key=${hashfiles("package-lock.json", "assets/*.bin")}"
    }
  }
})");
  write_file("package-lock.json", "{}\n");
  write_file("assets/big.bin", std::string(300 * 1024, 'x'));
  const clitest::Outcome documented = clitest::shell(
      "cd " + clitest::quote(work_tree().string()) + " && for f in assets/big.bin package-lock.json; do "
      "printf '%s\\0%s\\n' \"$f\" \"$(sha256sum < \"$f\" | cut -c1-64)\"; done | sha256sum | cut -c1-64");
  ASSERT_EQ(documented.exit_code, 0) << documented.output;
  const std::string sha = create_repository();
  start();
  const json view = wait_for_end(push_hook("refs/heads/main", sha));
  ASSERT_EQ(view["status"], "success") << view.dump(1);
  EXPECT_EQ(log(first_execution(view, "keys")), "key=" + documented.output) << documented.output;
}

// A quick pipeline on main, and one that sleeps on the branch `slow`.
class CancelAndRerun : public CiServer {
 protected:
  void SetUp() override {
    write_file(".factory/ci.hcl", R"(pipeline "quick" {
  filter {
    branches = ["main"]
  }
  stage "greet" {
    exec "hello" {
      run = "echo hello from $FACTORY_WORKFLOW_ID"
    }
  }
}

pipeline "slow" {
  filter {
    branches = ["slow"]
  }
  stage "wait" {
    exec "sleep" {
      run = "sleep 60"
    }
  }
})");
    main_ = create_repository();
    push("main:slow");
    start();
  }

  std::string main_;
};

TEST_F(CancelAndRerun, CancelStopsTheRunningExecution) {
  const std::string id = push_hook("refs/heads/slow", main_);
  ASSERT_TRUE(wait_until([&] { return running("sleep").size() == 1; }, 20s)) << workflow(id).dump(1);
  const auto asked = std::chrono::steady_clock::now();
  auto reply = api("POST", "/api/v1/workflows/" + id + "/cancel");
  EXPECT_EQ(reply.status, 202) << reply.body;

  const json cancelled = wait_for_end(id, 5s);
  EXPECT_EQ(cancelled["status"], "cancelled") << cancelled.dump(1);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  EXPECT_EQ(first_execution(cancelled, "slow")["status"], "cancelled") << cancelled.dump(1);
  EXPECT_TRUE(running("sleep").empty());
}

// A git server that stops answering holds no cancelled workflow: the cancel
// ends the agent's fetch, and the git processes under it.
TEST_F(CancelAndRerun, CancelEndsAFetchThatHangs) {
  const int silent = socket(AF_INET, SOCK_STREAM, 0);  // takes connections, never answers
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(listen(silent, 16), 0);
  getsockname(silent, reinterpret_cast<sockaddr*>(&address), &size);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/acme/rocket.git";
  ASSERT_EQ(api("PUT", "/api/v1/projects/" + project_id(), json{{"url", url}}).status, 200);

  const std::string id = push_hook("refs/heads/main", main_);
  ASSERT_TRUE(wait_until([&] { return !running("git-remote-http").empty(); }, 20s)) << workflow(id).dump(1);
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(api("POST", "/api/v1/workflows/" + id + "/cancel").status, 202);
  const json cancelled = wait_for_end(id, 5s);
  EXPECT_EQ(cancelled["status"], "cancelled") << cancelled.dump(1);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  // The agent's git, that is: the server itself may be reading the branch's
  // .factory/ for schedules after the push (git/branch_config.h), in a
  // scratch folder "branch-…", bounded by its own timeout.
  const auto agents_git = [this](const std::string& command) {
    auto found = running(command);
    std::erase_if(found, [](const auto& process) { return process.cwd.string().find("/branch-") != std::string::npos; });
    return found;
  };
  EXPECT_TRUE(agents_git("git").empty() && agents_git("git-remote-http").empty());
  close(silent);
}

TEST_F(CancelAndRerun, RerunRunsTheEventAgainAsANewWorkflow) {
  const std::string first = push_hook("refs/heads/main", main_);
  const json before = wait_for_end(first);
  ASSERT_EQ(before["status"], "success") << before.dump(1);

  auto reply = api("POST", "/api/v1/workflows/" + first + "/rerun");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string second = json::parse(reply.body)["id"];
  EXPECT_NE(second, first);
  const json after = wait_for_end(second);
  EXPECT_EQ(after["status"], "success") << after.dump(1);
  EXPECT_EQ(after["attempt"], 1);
  EXPECT_EQ(after["event"], before["event"]);
  EXPECT_TRUE(contains(log(first_execution(after, "quick")), "hello from " + second + "\n"));
  EXPECT_EQ(workflow(first)["status"], "success") << "the first run is left as it was";
}

// A pipeline's service runs while its stages do: an execution reaches it on
// loopback, and its status and log are stored, as the first group of the
// pipeline's tree, and read through the API like an execution's.
TEST_F(CiServer, ServiceLogIsStoredAndReadableThroughTheApi) {
  const int port = clitest::free_port();
  const std::string address = "http://127.0.0.1:" + std::to_string(port) + "/";
  write_file(".factory/ci.hcl",
             "pipeline \"web\" {\n"
             "  service \"site\" {\n"
             "    run   = \"echo serving; exec python3 -m http.server " + std::to_string(port) + " --bind 127.0.0.1\"\n"
             "    ports = [" + std::to_string(port) + "]\n"
             "  }\n"
             "  stage \"check\" {\n"
             "    exec \"get\" {\n"
             "      run = \"python3 -c 'import urllib.request as u; print(u.urlopen(\\\"" + address +
                 "\\\").status)'\"\n"
             "    }\n"
             "  }\n"
             "}\n");
  const std::string sha = create_repository();
  start();
  const json finished = wait_for_end(push_hook("refs/heads/main", sha));
  ASSERT_EQ(finished["status"], "success") << finished.dump(1);
  const json web = clitest::pipeline(finished, "web");
  ASSERT_EQ(web["stages"].size(), 2u) << web.dump(1);
  const json services = web["stages"][0];
  EXPECT_EQ(services["name"], "services");
  EXPECT_EQ(services["status"], "success");
  ASSERT_EQ(services["executions"].size(), 1u);
  const json site = services["executions"][0];
  EXPECT_EQ(site["name"], "site");
  EXPECT_EQ(site["status"], "success");
  EXPECT_LE(site["started_at"], web["stages"][1]["started_at"]);
  EXPECT_GE(site["finished_at"], web["stages"][1]["finished_at"]);
  EXPECT_TRUE(contains(log(site), "serving\n")) << log(site);
  EXPECT_TRUE(contains(log(site), "\"GET / HTTP/1.1\" 200")) << log(site);
  EXPECT_TRUE(contains(log(web["stages"][1]["executions"][0]), "200\n"));
}

}  // namespace
