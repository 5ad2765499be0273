// Red team: an agent's credential writes its own workflow and nothing else.
// Against a real `factory server` with real agents:
//   - a workflow-scoped agent token (as a leak would hand it over: the test's
//     own `factory-agent` wrapper writes down every token it is started with,
//     since builds can no longer read it) names another project's running
//     workflow's pipeline, stage and execution on its own events route:
//     refused, the victim's statuses and log unchanged, and the victim ends
//     as it would have;
//   - the same token appends to, or changes the status of, its own finished
//     execution: refused, unchanged;
//   - a pool token poses as the agent running a workflow (the name it goes
//     by in a header) and completes it as failure: refused, with a message
//     naming no agent; the real agent keeps its lease and finishes;
//   - a project with ten 64 KiB secrets and a 70-instance matrix runs, and
//     what the server stored holds none of the secrets.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "cli/ci_server.h"

namespace {

using namespace clitest;
using namespace std::chrono_literals;

// A script's lines for run = "…" (no double quotes inside).
// Its sleep leaves the attacks time to run while it does.
constexpr const char* kVictimScript = "echo real-1; echo real-2; sleep 12; echo real-3";

std::string two_stage_pipeline() {
  return "pipeline \"job\" {\n"
         "  stage \"first\" {\n    exec \"quick\" {\n      run = \"echo quick-line\"\n    }\n  }\n"
         "  stage \"second\" {\n    exec \"slow\" {\n      run = \"" +
         std::string{kVictimScript} + "\"\n    }\n  }\n}\n";
}

class AgentForgery : public CiServer {
 protected:
  // The server runs from a folder of its own whose `factory-agent` writes
  // its token into tokens/ and then becomes the real agent.
  void SetUp() override {
    const fs::path bin = root() / "bin";
    fs::create_directories(bin);
    fs::create_directories(tokens_dir());
    fs::copy_file(testpaths::factory_binary(), bin / "factory");
    const fs::path real_agent = testpaths::factory_binary().parent_path() / "factory-agent";
    write_executable(bin / "factory-agent", "#!/bin/sh\nprintf %s \"$FACTORY_AGENT_TOKEN\" > " +
                                                quote(tokens_dir().string()) + "/$$\nexec " +
                                                quote(real_agent.string()) + " \"$@\"\n");
    server_program_ = (bin / "factory").string();
  }

  fs::path tokens_dir() const { return root() / "tokens"; }

  static void write_executable(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  }

  http::testing::Reply agent_post(const std::string& path, const json& body, const std::string& token,
                                  const std::vector<std::string>& extra_headers = {}) {
    http::testing::Client client{port()};
    std::vector<std::string> headers{"Authorization: Bearer " + token, "Content-Type: application/json"};
    headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
    return client.request("POST", path, body.dump(), headers);
  }

  // A second project, other/victim, serving a copy of the repository; its id.
  std::string create_victim_project() {
    const fs::path copy = bare_repository().parent_path().parent_path() / "other" / "victim.git";
    fs::create_directories(copy.parent_path());
    fs::copy(bare_repository(), copy, fs::copy_options::recursive);
    std::string url = get("/api/v1/projects/" + project_id())["url"];
    url.replace(url.find("acme/rocket.git"), std::string{"acme/rocket.git"}.size(), "other/victim.git");
    auto reply = api("POST", "/api/v1/projects", {{"owner", "other"}, {"name", "victim"}, {"url", url}});
    if (reply.status != 201) throw std::runtime_error("victim project not created: " + reply.body);
    return json::parse(reply.body)["id"];
  }

  std::string trigger(const std::string& project) {
    auto reply = api("POST", "/api/v1/projects/" + project + "/trigger", {{"branch", "main"}});
    if (reply.status != 202) throw std::runtime_error("not triggered: " + reply.body);
    return json::parse(reply.body)["id"];
  }

  // The workflow's view once `ready` holds of it; throws after 20 s.
  template <class Ready>
  json wait_for(const std::string& id, Ready ready) {
    json view;
    if (!wait_until([&] { return ready(view = workflow(id)); }, 20s, 50ms))
      throw std::runtime_error("workflow " + id + " never got there: " + view.dump(1));
    return view;
  }

  static json execution_named(const json& view, const std::string& name) {
    for (const auto& pipeline : view.value("pipelines", json::array()))
      for (const auto& stage : pipeline["stages"])
        for (const auto& execution : stage["executions"])
          if (execution["name"] == name) return execution;
    return nullptr;
  }

  // The token of the local agent started for `workflow_id`.
  std::string token_of_agent_running(const std::string& workflow_id) {
    for (const auto& entry : fs::directory_iterator(tokens_dir())) {
      const std::string token = read_file(entry.path());
      const auto reply = agent_post("/api/v1/agent/claim", json::object(), token);
      if (reply.status == 200 && json::parse(reply.body)["workflow_id"] == workflow_id) return token;
    }
    return {};
  }

  // What forgery may change of a workflow: its statuses and reasons, and
  // every execution's log.
  std::string snapshot(const std::string& id) {
    const json view = workflow(id);
    std::string text;
    for (const auto& pipeline : view["pipelines"]) {
      text += "pipeline " + pipeline["status"].get<std::string>() + " " + pipeline.value("status_reason", "") + "\n";
      for (const auto& stage : pipeline["stages"]) {
        text += " stage " + stage["status"].get<std::string>() + " " + stage.value("status_reason", "") + "\n";
        for (const auto& execution : stage["executions"])
          text += "  execution " + execution["status"].get<std::string>() + " " +
                  execution.value("status_reason", "") + "\n" + log(execution);
      }
    }
    return text;
  }
};

TEST_F(AgentForgery, AWorkflowTokenCannotWriteAnotherWorkflowNorItsOwnFinishedExecution) {
  write_file(".factory/ci.hcl", two_stage_pipeline());
  create_repository();
  start();
  const std::string victim_project = create_victim_project();

  const std::string victim = trigger(victim_project);
  const json victim_view = wait_for(victim, [&](const json& view) {
    const json slow = execution_named(view, "slow");
    return !slow.is_null() && slow["status"] == "running" && contains(log(slow), "real-2");
  });
  const std::string attacker = trigger(project_id());
  const json attacker_view = wait_for(attacker, [&](const json& view) {
    const json slow = execution_named(view, "slow");
    return !slow.is_null() && slow["status"] == "running";
  });
  const std::string token = token_of_agent_running(attacker);
  ASSERT_FALSE(token.empty()) << "the attacker's agent token was not found";
  const std::string events = "/api/v1/agent/workflows/" + attacker + "/events";

  const json pipeline_b = victim_view["pipelines"][0];
  const json stage_b = pipeline_b["stages"][1];
  const json execution_b = execution_named(victim_view, "slow");
  const std::string before = snapshot(victim);
  json forged_lines = json::array();
  for (int seq = 1; seq <= 5; ++seq) forged_lines.push_back({{"seq", seq}, {"text", "forged-" + std::to_string(seq)}});
  const std::vector<json> forgeries = {
      {{"logs", {{{"execution", execution_b["id"]}, {"lines", forged_lines}}}}},
      {{"changes", {{{"node", "execution"}, {"id", execution_b["id"]}, {"status", "failure"}, {"reason", "forged"}}}}},
      {{"changes", {{{"node", "stage"}, {"id", stage_b["id"]}, {"status", "failure"}, {"reason", "forged"}}}}},
      {{"changes", {{{"node", "pipeline"}, {"id", pipeline_b["id"]}, {"status", "failure"}, {"reason", "forged"}}}}},
      // The victim's ids mixed into a batch of the attacker's own.
      {{"logs", {{{"execution", execution_named(attacker_view, "slow")["id"]}, {"lines", {{{"seq", 100}, {"text", "x"}}}}},
                 {{"execution", execution_b["id"]}, {"lines", forged_lines}}}},
       {"changes", {{{"node", "pipeline"}, {"id", pipeline_b["id"]}, {"status", "failure"}}}}},
  };
  for (const json& forgery : forgeries) {
    const auto reply = agent_post(events, forgery, token);
    EXPECT_GE(reply.status, 400) << forgery.dump() << "\n" << reply.body;
    EXPECT_LT(reply.status, 500) << reply.body;
  }
  // The victim's own routes are out of the token's reach too.
  EXPECT_EQ(agent_post("/api/v1/agent/workflows/" + victim + "/complete", {{"status", "failure"}}, token).status, 403);
  EXPECT_EQ(snapshot(victim), before);
  EXPECT_FALSE(contains(log(execution_named(workflow(attacker), "slow")), "x\n")) << "the mixed batch went whole";

  // Its own finished execution takes no new line and no other status.
  const json quick = execution_named(workflow(attacker), "quick");
  ASSERT_EQ(quick["status"], "success");
  const std::string quick_before = log(quick);
  ASSERT_TRUE(contains(quick_before, "quick-line")) << quick_before;
  const json late_line = {{"logs", {{{"execution", quick["id"]}, {"lines", {{{"seq", 2}, {"text", "appended"}}}}}}}};
  const json restatus = {
      {"changes", {{{"node", "execution"}, {"id", quick["id"]}, {"status", "failure"}, {"reason", "rewritten"}}}}};
  for (const json& change : {late_line, restatus}) {
    const auto reply = agent_post(events, change, token);
    EXPECT_EQ(reply.status, 409) << change.dump() << "\n" << reply.body;
    EXPECT_TRUE(contains(reply.body, "is finished")) << reply.body;
  }
  EXPECT_EQ(log(execution_named(workflow(attacker), "quick")), quick_before);
  EXPECT_EQ(execution_named(workflow(attacker), "quick")["status"], "success");

  // Both run on as if nothing happened.
  const json victim_end = wait_for_end(victim);
  EXPECT_EQ(victim_end["status"], "success") << victim_end.dump(1);
  EXPECT_EQ(log(execution_named(victim_end, "slow")), "real-1\nreal-2\nreal-3\n");
  EXPECT_EQ(wait_for_end(attacker)["status"], "success");
}

TEST_F(AgentForgery, APoolTokenCannotPoseAsTheAgentRunningAWorkflow) {
  create_repository_running(kVictimScript);
  start({"--provisioner", "pool"});
  start_pool_agents(1);  // agent-0, with a pool token of its own
  const std::string attacker_token = make_agent_token();

  const std::string victim = push_hook("refs/heads/main", git("rev-parse HEAD"));
  const json running = wait_for(victim, [&](const json& view) {
    const json step = first_execution(view, "job");
    return !step.is_null() && step["status"] == "running" && contains(log(step), "real-2");
  });
  const std::string before = snapshot(victim);
  const std::string base = "/api/v1/agent/workflows/" + victim + "/";
  const std::vector<std::string> posing = {"X-Factory-Agent: agent-0", "X-Factory-Lease: agent-0"};
  const json step = first_execution(running, "job");
  const std::vector<std::pair<std::string, json>> calls = {
      {"complete", {{"status", "failure"}, {"reason", "forged"}}},
      {"heartbeat", json::object()},
      {"events", {{"changes", {{{"node", "execution"}, {"id", step["id"]}, {"status", "failure"}}}}}},
      {"plan", {{"plan", {{"pipelines", json::array()}}}}},
  };
  for (const auto& [call, body] : calls) {
    const auto reply = agent_post(base + call, body, attacker_token, posing);
    EXPECT_EQ(reply.status, 409) << call << ": " << reply.body;
    EXPECT_FALSE(contains(reply.body, "agent-0")) << "a refusal names the lease holder: " << reply.body;
  }
  EXPECT_EQ(workflow(victim)["status"], "running");
  EXPECT_EQ(snapshot(victim), before);

  // The real agent still holds its lease: it finishes the workflow as it would have.
  const json ended = wait_for_end(victim);
  EXPECT_EQ(ended["status"], "success") << ended.dump(1);
  EXPECT_EQ(log(first_execution(ended, "job")), "real-1\nreal-2\nreal-3\n");
}

// Secrets reach the executions but never come back: the plan an agent
// reports carries no environment, so its size does not grow with them.
TEST_F(AgentForgery, LargeSecretsAndASeventyInstanceMatrixRunAndStayOffTheServer) {
  write_file(".factory/ci.hcl",
             "pipeline \"wide\" {\n"
             "  matrix {\n    a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n    b = [0, 1, 2, 3, 4, 5, 6]\n  }\n"
             "  stage \"only\" {\n    exec \"check\" {\n"
             "      run = \"test $${#SECRET_0} -eq 65536 && test $${#SECRET_9} -eq 65536 && echo ok-${matrix.a}-${matrix.b}\"\n"
             "    }\n  }\n}\n");
  create_repository();
  start();
  std::vector<std::string> secrets;
  for (int i = 0; i < 10; ++i) {
    std::string value;
    for (std::size_t n = 0; value.size() < 65536; ++n) value += "s" + std::to_string(i) + "v" + std::to_string(n) + "-";
    value.resize(65536);
    put_secret("SECRET_" + std::to_string(i), value);
    secrets.push_back(value);
  }

  const std::string id = push_hook("refs/heads/main", git("rev-parse HEAD"));
  const json ended = wait_for_end(id, 120s);
  ASSERT_EQ(ended["status"], "success") << ended.dump(1).substr(0, 4000);
  ASSERT_EQ(ended["pipelines"].size(), 70u);
  std::set<std::string> printed;
  for (const auto& pipeline : ended["pipelines"]) {
    EXPECT_EQ(pipeline["status"], "success") << pipeline.dump();
    printed.insert(trimmed(log(pipeline["stages"][0]["executions"][0])));
  }
  EXPECT_EQ(printed.size(), 70u);
  EXPECT_TRUE(printed.contains("ok-9-6"));

  // Neither the views of the tree nor the database files hold a secret.
  std::string stored = ended.dump();
  for (const auto& pipeline : ended["pipelines"]) stored += log(pipeline["stages"][0]["executions"][0]);
  for (const auto& entry : fs::directory_iterator(fs::path{data_dir()}))
    if (entry.path().filename().string().starts_with("factory.db")) stored += read_file(entry.path());
  for (const std::string& secret : secrets)
    EXPECT_FALSE(contains(stored, secret.substr(1000, 64))) << "a secret was stored in the clear";
}

}  // namespace
