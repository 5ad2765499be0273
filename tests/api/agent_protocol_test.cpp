// The agent protocol over real HTTP: who may call it, claims (long polls),
// plans, status changes and logs, heartbeats, cancels and completion.
#include <set>
#include <thread>

#include "api_fixture.h"
#include "protocol/protocol.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSha = "0123456789abcdef0123456789abcdef01234567";

core::Plan one_pipeline() {
  core::Plan plan;
  plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "make", .run = "make"}}}}});
  return plan;
}

class AgentProtocolTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    project_id_ = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
    auto agent = store_->create_token("pool", store::TokenScope::Agent);
    ASSERT_TRUE(agent);
    agent_token_ = agent->secret;
  }

  std::string enqueue(const std::string& delivery, bool from_fork = false) {
    return enqueue(delivery, core::Event{.name = "push", .branch = "main", .sha = kSha, .from_fork = from_fork});
  }
  std::string enqueue(const std::string& delivery, const core::Event& event) {
    auto queued = store_->enqueue_workflow(project_id_, delivery, event);
    EXPECT_TRUE(queued);
    orchestrator_->workflow_queued();
    return queued ? queued->id : "";
  }

  using ApiTest::agent_call;
  // A call of the pool agent holding lease_ (the last claim's).
  Reply agent_call(const std::string& path, const json& body = json::object()) {
    return agent_call(path, body, agent_token_, lease_);
  }
  // Claims the oldest queued workflow as a pool agent; its job.
  protocol::Job claim() {
    const Reply reply = agent_call("/api/v1/agent/claim", {{"wait_ms", 5000}}, agent_token_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    if (reply.status != 200) return {};
    protocol::Job job = protocol::job_from_json(json::parse(reply.body));
    lease_ = job.lease;
    return job;
  }
  std::string workflow_path(const std::string& id, const std::string& call) {
    return "/api/v1/agent/workflows/" + id + "/" + call;
  }
  store::Workflow workflow(const std::string& id) { return store_->get_workflow(id).value(); }

  std::string project_id_;
  std::string agent_token_;
  std::string lease_;
};

TEST_P(AgentProtocolTest, OnlyAgentTokensReachTheProtocolAndOnlyAdminTokensTheApi) {
  EXPECT_EQ(agent_call("/api/v1/agent/claim", {{"wait_ms", 0}}, "fct_wrong").status, 401);
  EXPECT_EQ(agent_call("/api/v1/agent/claim", {{"wait_ms", 0}}, token_).status, 403);
  EXPECT_EQ(client_->request("GET", "/api/v1/projects", {}, {"Authorization: Bearer " + agent_token_}).status, 403);
  EXPECT_EQ(agent_call("/api/v1/agent/claim", {{"wait_ms", 0}}).status, 204);
}

TEST_P(AgentProtocolTest, ALongPollIsAnsweredWhenAWorkflowIsQueued) {
  Reply reply;
  std::thread agent{[&] { reply = agent_call("/api/v1/agent/claim", {{"wait_ms", 20'000}, {"agent", "a1"}}); }};
  std::this_thread::sleep_for(200ms);  // the claim waits in the orchestrator
  const std::string id = enqueue("d1");
  agent.join();
  ASSERT_EQ(reply.status, 200) << reply.body;
  const protocol::Job job = protocol::job_from_json(json::parse(reply.body));
  EXPECT_EQ(job.workflow_id, id);
  EXPECT_EQ(job.repository.url, "https://github.com/acme/rocket");
  EXPECT_EQ(job.event.sha, kSha);
  EXPECT_EQ(workflow(id).status, core::Status::Running);
  EXPECT_FALSE(job.lease.empty());
  EXPECT_TRUE(workflow(id).lease_owner.starts_with("a1#")) << "the agent's name, then its lease's digest";
  EXPECT_EQ(workflow(id).lease_owner.find(job.lease), std::string::npos) << "the lease itself is not stored";
}

TEST_P(AgentProtocolTest, EachWorkflowGoesToOneClaimer) {
  for (int i = 0; i < 4; ++i) enqueue("d" + std::to_string(i));
  std::vector<Reply> replies(6);
  std::vector<std::thread> agents;
  for (std::size_t i = 0; i < replies.size(); ++i)
    agents.emplace_back([&, i] {
      http::testing::Client client{server_->port()};
      replies[i] = client.request("POST", "/api/v1/agent/claim", json{{"wait_ms", 500}}.dump(),
                                  {"Authorization: Bearer " + agent_token_,
                                   "X-Factory-Agent: agent-" + std::to_string(i)});
    });
  for (auto& agent : agents) agent.join();
  std::set<std::string> claimed;
  int empty = 0;
  for (const auto& reply : replies) {
    if (reply.status == 204) ++empty;
    if (reply.status == 200) claimed.insert(json::parse(reply.body)["workflow_id"].get<std::string>());
  }
  EXPECT_EQ(claimed.size(), 4u);
  EXPECT_EQ(empty, 2);
}

TEST_P(AgentProtocolTest, PlanEventsLogsAndCompletionReachTheStore) {
  const std::string id = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const Reply planned = agent_call(workflow_path(id, "plan"), {{"plan", protocol::to_json(one_pipeline())}});
  ASSERT_EQ(planned.status, 200) << planned.body;
  const json ids = json::parse(planned.body)["pipelines"][0];
  const std::string execution = ids["stages"][0]["executions"][0];
  const json running = {{"node", "execution"}, {"id", execution}, {"status", "running"}, {"at", 1'700'000'000'000}};
  const json done = {{"node", "execution"}, {"id", execution}, {"status", "success"}, {"exit_code", 0}};
  const json lines = {{{"seq", 1}, {"stream", "stdout"}, {"at", 1'700'000'000'001}, {"text", "hello"}},
                      {{"seq", 2}, {"stream", "stderr"}, {"at", 1'700'000'000'002}, {"text", "world"}}};
  const json batch = {{"changes", {running, done}}, {"logs", {{{"execution", execution}, {"lines", lines}}}}};
  for (int delivery = 0; delivery < 2; ++delivery) {  // a batch sent again is stored once
    const Reply events = agent_call(workflow_path(id, "events"), batch);
    ASSERT_EQ(events.status, 200) << events.body;
    EXPECT_EQ(json::parse(events.body)["cancel"], false);
  }
  auto log = store_->read_log(execution, 0);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[1].text, "world");
  auto stored = store_->get_execution(execution);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, core::Status::Success);
  EXPECT_EQ(stored->exit_code, 0);
  EXPECT_EQ(stored->started_at->time_since_epoch().count(), 1'700'000'000'000);  // the agent's clock

  EXPECT_EQ(agent_call(workflow_path(id, "heartbeat")).status, 200);
  EXPECT_EQ(agent_call(workflow_path(id, "complete"), {{"status", "success"}}).status, 200);
  EXPECT_EQ(workflow(id).status, core::Status::Success);
  // The workflow ended: the agent's calls on it are refused, so it stops.
  EXPECT_EQ(agent_call(workflow_path(id, "heartbeat")).status, 409);
}

TEST_P(AgentProtocolTest, DiagnosticsFailTheWorkflowWithThemAsTheReason) {
  const std::string id = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const std::string diagnostics = "error: Unsupported block type\n  --> .factory/ci.hcl:3:1";
  ASSERT_EQ(agent_call(workflow_path(id, "plan"), {{"diagnostics", diagnostics}}).status, 200);
  EXPECT_EQ(workflow(id).status, core::Status::Failure);
  EXPECT_NE(workflow(id).status_reason.find(".factory/ci.hcl:3:1"), std::string::npos);
}

// Another agent with the same pool token, without the lease or with one of
// its own, is not the holder; the refusal names no agent.
TEST_P(AgentProtocolTest, OtherAgentsCannotTouchAWorkflowLeasedToOne) {
  const std::string id = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const std::string holder = workflow(id).lease_owner;
  enqueue("d2");
  const std::string own_lease = lease_;
  ASSERT_FALSE(claim().workflow_id.empty());  // a second lease, for the second workflow
  for (const std::string& lease : {std::string{}, lease_, own_lease + "x"}) {
    const Reply heartbeat = agent_call(workflow_path(id, "heartbeat"), json::object(), agent_token_, lease);
    EXPECT_EQ(heartbeat.status, 409) << heartbeat.body;
    EXPECT_EQ(heartbeat.body.find(holder.substr(0, holder.find('#'))), std::string::npos) << heartbeat.body;
    EXPECT_EQ(agent_call(workflow_path(id, "complete"), {{"status", "failure"}}, agent_token_, lease).status, 409);
  }
  EXPECT_EQ(workflow(id).status, core::Status::Running);
  EXPECT_EQ(workflow(id).lease_owner, holder);
  EXPECT_EQ(agent_call(workflow_path(id, "heartbeat"), json::object(), agent_token_, own_lease).status, 200);
}

TEST_P(AgentProtocolTest, AWorkflowTokenServesItsWorkflowOnly) {
  const std::string first = enqueue("d1");
  const std::string second = enqueue("d2");
  ASSERT_TRUE(store_->claim_next_workflow("local-agent-1", 30s));
  auto token = store_->create_token("local-agent-1", store::TokenScope::Agent, first);
  ASSERT_TRUE(token);
  const Reply claimed = agent_call("/api/v1/agent/claim", json::object(), token->secret, "ignored");
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  EXPECT_EQ(json::parse(claimed.body)["workflow_id"], first);
  EXPECT_EQ(agent_call(workflow_path(first, "heartbeat"), json::object(), token->secret).status, 200);
  EXPECT_EQ(agent_call(workflow_path(second, "heartbeat"), json::object(), token->secret).status, 403);
  EXPECT_EQ(workflow(second).status, core::Status::Queued);
}

TEST_P(AgentProtocolTest, CancelReachesTheAgentThroughItsNextCall) {
  const std::string queued = enqueue("d1");
  EXPECT_EQ(call("POST", "/api/v1/workflows/" + queued + "/cancel").status, 200);
  EXPECT_EQ(workflow(queued).status, core::Status::Cancelled);
  EXPECT_EQ(call("POST", "/api/v1/workflows/" + queued + "/cancel").status, 409);

  const std::string running = enqueue("d2");
  ASSERT_FALSE(claim().workflow_id.empty());
  EXPECT_EQ(json::parse(agent_call(workflow_path(running, "heartbeat")).body)["cancel"], false);
  EXPECT_EQ(call("POST", "/api/v1/workflows/" + running + "/cancel").status, 202);
  EXPECT_EQ(json::parse(agent_call(workflow_path(running, "heartbeat")).body)["cancel"], true);
  EXPECT_EQ(json::parse(agent_call(workflow_path(running, "events"), {{"logs", json::array()}}).body)["cancel"], true);
  EXPECT_TRUE(workflow(running).cancel_requested_at.has_value()) << "kept in the store, for any server to tell";
  EXPECT_EQ(agent_call(workflow_path(running, "complete"), {{"status", "cancelled"}}).status, 200);
  EXPECT_EQ(workflow(running).status, core::Status::Cancelled);
}

// The server sends the secrets the event and branch may receive, each with
// the pipelines it may reach; the agent picks among those (tests/security).
TEST_P(AgentProtocolTest, JobsCarryTheSecretsTheirEventAndBranchReachWithTheirPipelines) {
  ASSERT_TRUE(store_->set_secret(project_id_, "DEPLOY_KEY", "hunter22", {}));
  ASSERT_TRUE(store_->set_secret(project_id_, "REVIEW_KEY", "review-value", {{"pull_request"}, {"main"}, {}}));
  ASSERT_TRUE(store_->set_secret(project_id_, "RELEASE_KEY", "release-value", {{"tag"}, {}, {"deploy", "docs"}}));
  const protocol::JobSecret deploy_key{"DEPLOY_KEY", "hunter22", {}};
  const protocol::JobSecret review_key{"REVIEW_KEY", "review-value", {}};
  const protocol::JobSecret release_key{"RELEASE_KEY", "release-value", {"deploy", "docs"}};
  const auto pull_request = [](std::string into, bool from_fork) {
    return core::Event{.name = "pull_request", .branch = "feature", .target_branch = std::move(into), .sha = kSha,
                       .from_fork = from_fork};
  };
  enqueue("push", false);
  enqueue("pr-into-main", pull_request("main", false));
  enqueue("pr-into-develop", pull_request("develop", false));
  enqueue("tag", core::Event{.name = "tag", .tag = "v1.0", .sha = kSha});
  enqueue("fork-pr", pull_request("main", true));
  using Secrets = std::vector<protocol::JobSecret>;
  EXPECT_EQ(claim().secrets, (Secrets{deploy_key}));
  EXPECT_EQ(claim().secrets, (Secrets{review_key}));
  EXPECT_EQ(claim().secrets, Secrets{});
  EXPECT_EQ(claim().secrets, (Secrets{deploy_key, release_key}));
  EXPECT_EQ(claim().secrets, Secrets{});
}

// Lines the agent sends reach viewers live; a viewer joining mid-run gets
// what was stored first, and one resuming with Last-Event-ID gets only what
// came after that line.
TEST_P(AgentProtocolTest, LogStreamsGetStoredThenLiveLinesAndResumeWithoutGapsOrRepeats) {
  const std::string id = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const Reply planned = agent_call(workflow_path(id, "plan"), {{"plan", protocol::to_json(one_pipeline())}});
  ASSERT_EQ(planned.status, 200) << planned.body;
  const std::string execution = json::parse(planned.body)["pipelines"][0]["stages"][0]["executions"][0];
  auto send_lines = [&](int first, int last, json changes = json::array()) {
    json lines = json::array();
    for (int seq = first; seq <= last; ++seq)
      lines.push_back({{"seq", seq}, {"stream", "stdout"}, {"at", 1'700'000'000'000 + seq},
                       {"text", "line " + std::to_string(seq)}});
    const json batch = {{"changes", changes}, {"logs", {{{"execution", execution}, {"lines", lines}}}}};
    ASSERT_EQ(agent_call(workflow_path(id, "events"), batch).status, 200);
  };
  auto open_stream = [&](http::testing::RawSocket& socket, const std::string& extra_header) {
    socket.send("GET /api/v1/executions/" + execution + "/log/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                token_ + "\r\n" + extra_header + "\r\n");
    return socket.read_until("\r\n\r\n");
  };
  send_lines(1, 3, {{{"node", "execution"}, {"id", execution}, {"status", "running"}}});

  http::testing::RawSocket joined{server_->port()};
  EXPECT_TRUE(open_stream(joined, "").starts_with("HTTP/1.1 200"));
  const std::string stored = joined.read_until("id: 3\n");
  EXPECT_NE(stored.find("line 1"), std::string::npos) << stored;
  send_lines(4, 5);
  const std::string live = joined.read_until("id: 5\n");
  EXPECT_NE(live.find("line 4"), std::string::npos) << live;

  http::testing::RawSocket resumed{server_->port()};
  EXPECT_TRUE(open_stream(resumed, "Last-Event-ID: 4\r\n").starts_with("HTTP/1.1 200"));
  send_lines(5, 6, {{{"node", "execution"}, {"id", execution}, {"status", "success"}, {"exit_code", 0}}});
  const std::string rest = resumed.read_until("event: end\n");
  EXPECT_EQ(rest.find("line 4"), std::string::npos) << rest;
  EXPECT_NE(rest.find("id: 5\n"), std::string::npos) << rest;
  EXPECT_EQ(rest.find("id: 5\n"), rest.rfind("id: 5\n")) << "line 5 sent twice: " << rest;
  EXPECT_NE(rest.find("id: 6\n"), std::string::npos) << rest;
  const std::string end_of_first = joined.read_until("event: end\n");
  EXPECT_NE(end_of_first.find("id: 6\n"), std::string::npos) << end_of_first;
  EXPECT_EQ(end_of_first.find("id: 5\n"), std::string::npos) << "line 5 repeated: " << end_of_first;
}

// A batch is of the caller's workflow or nothing: one id of another
// workflow's tree refuses all of it, before anything is written.
TEST_P(AgentProtocolTest, EventsNamingAnotherWorkflowsNodesChangeNothing) {
  const std::string victim = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const std::string victim_lease = lease_;
  const Reply victim_plan = agent_call(workflow_path(victim, "plan"), {{"plan", protocol::to_json(one_pipeline())}});
  ASSERT_EQ(victim_plan.status, 200) << victim_plan.body;
  const protocol::PlanIds victim_ids = protocol::plan_ids_from_json(json::parse(victim_plan.body));
  const std::string victim_execution = victim_ids.pipelines[0].stages[0].executions[0];

  const std::string own = enqueue("d2");
  ASSERT_FALSE(claim().workflow_id.empty());
  const Reply own_plan = agent_call(workflow_path(own, "plan"), {{"plan", protocol::to_json(one_pipeline())}});
  ASSERT_EQ(own_plan.status, 200) << own_plan.body;
  const std::string own_execution =
      protocol::plan_ids_from_json(json::parse(own_plan.body)).pipelines[0].stages[0].executions[0];

  const json own_line = {{"seq", 1}, {"text", "mine"}};
  const json forged_line = {{"seq", 1}, {"text", "forged"}};
  const std::vector<json> forgeries = {
      {{"logs", {{{"execution", own_execution}, {"lines", {own_line}}},
                 {{"execution", victim_execution}, {"lines", {forged_line}}}}}},
      {{"changes", {{{"node", "execution"}, {"id", victim_execution}, {"status", "failure"}, {"reason", "forged"}}}}},
      {{"changes", {{{"node", "stage"}, {"id", victim_ids.pipelines[0].stages[0].id}, {"status", "failure"}}}}},
      {{"changes", {{{"node", "pipeline"}, {"id", victim_ids.pipelines[0].id}, {"status", "failure"}}}}},
      // The victim's execution id given as a node of another kind.
      {{"changes", {{{"node", "pipeline"}, {"id", victim_execution}, {"status", "failure"}}}}},
  };
  for (const json& forgery : forgeries) {
    const Reply refused = agent_call(workflow_path(own, "events"), forgery);
    EXPECT_EQ(refused.status, 404) << forgery.dump() << " " << refused.body;
    EXPECT_NE(refused.body.find("is not part of workflow " + own), std::string::npos) << refused.body;
  }
  EXPECT_TRUE(store_->read_log(own_execution, 0)->empty()) << "the batch's own lines went with it";
  EXPECT_TRUE(store_->read_log(victim_execution, 0)->empty());
  const store::WorkflowTree tree = store_->get_workflow_tree(victim).value();
  EXPECT_EQ(tree.pipelines[0].status, core::Status::Queued);
  EXPECT_EQ(tree.pipelines[0].stages[0].status, core::Status::Queued);
  EXPECT_EQ(tree.pipelines[0].stages[0].executions[0].status, core::Status::Queued);
  // The victim's own agent still reports as before.
  const json real = {{"logs", {{{"execution", victim_execution}, {"lines", {{{"seq", 1}, {"text", "real"}}}}}}}};
  EXPECT_EQ(agent_call(workflow_path(victim, "events"), real, agent_token_, victim_lease).status, 200);
  EXPECT_EQ(store_->read_log(victim_execution, 0)->at(0).text, "real");
}

// Sent again after a lost answer, a batch changes nothing and is answered
// 200; anything new for a finished execution is refused.
TEST_P(AgentProtocolTest, FinishedExecutionsTakeNoNewLinesOrStatuses) {
  const std::string id = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const Reply planned = agent_call(workflow_path(id, "plan"), {{"plan", protocol::to_json(one_pipeline())}});
  ASSERT_EQ(planned.status, 200) << planned.body;
  const std::string execution =
      protocol::plan_ids_from_json(json::parse(planned.body)).pipelines[0].stages[0].executions[0];
  const json finish = {
      {"logs", {{{"execution", execution}, {"lines", {{{"seq", 1}, {"text", "one"}}, {{"seq", 2}, {"text", "two"}}}}}}},
      {"changes",
       {{{"node", "execution"}, {"id", execution}, {"status", "running"}},
        {{"node", "execution"}, {"id", execution}, {"status", "success"}, {"exit_code", 0}}}}};
  ASSERT_EQ(agent_call(workflow_path(id, "events"), finish).status, 200);
  EXPECT_EQ(agent_call(workflow_path(id, "events"), finish).status, 200) << "sent again";

  const json more_lines = {{"logs", {{{"execution", execution}, {"lines", {{{"seq", 3}, {"text", "late"}}}}}}}};
  const json other_status = {{"changes", {{{"node", "execution"}, {"id", execution}, {"status", "failure"}}}}};
  const json running_again = {{"changes", {{{"node", "execution"}, {"id", execution}, {"status", "running"}}}}};
  for (const json& refused : {more_lines, other_status, running_again}) {
    const Reply reply = agent_call(workflow_path(id, "events"), refused);
    EXPECT_EQ(reply.status, 409) << refused.dump() << " " << reply.body;
    EXPECT_EQ(protocol::error_code(json::parse(reply.body)), "conflict") << "not a lost lease: " << reply.body;
  }
  const auto log = store_->read_log(execution, 0).value();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].text, "two");
  EXPECT_EQ(store_->get_execution(execution)->status, core::Status::Success);
  EXPECT_EQ(agent_call(workflow_path(id, "heartbeat")).status, 200) << "the lease is intact";
}

TEST_P(AgentProtocolTest, MalformedCallsAreRefusedNamingTheField) {
  const std::string id = enqueue("d1");
  ASSERT_FALSE(claim().workflow_id.empty());
  const Reply events = agent_call(workflow_path(id, "events"), {{"changes", {{{"node", "execution"}, {"id", "x"}}}}});
  EXPECT_EQ(events.status, 400);
  EXPECT_NE(events.body.find("events.changes[0].status is missing"), std::string::npos) << events.body;
  const Reply complete = agent_call(workflow_path(id, "complete"), {{"status", "running"}});
  EXPECT_EQ(complete.status, 400);
  EXPECT_NE(complete.body.find("complete.status"), std::string::npos) << complete.body;
  EXPECT_EQ(workflow(id).status, core::Status::Running);
}

INSTANTIATE_TEST_SUITE_P(Backends, AgentProtocolTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
