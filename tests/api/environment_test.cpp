// Environments over real HTTP, on every backend: their routes, the gate an
// agent asks before a pipeline of one runs (approval, then the
// environment's secrets, for that environment's pipelines only), and who
// may approve or reject (docs/people.md, "Approving deployments").
#include "people_fixture.h"
#include "protocol/protocol.h"

namespace api::testing {
namespace {

class EnvironmentTest : public PeopleApiTest {
 protected:
  void SetUp() override {
    PeopleApiTest::SetUp();
    if (!store_) return;
    project_id_ = project("rocket");
    auto agent = store_->create_token("pool", store::TokenScope::Agent);
    ASSERT_TRUE(agent);
    agent_token_ = agent->secret;
  }

  Reply put_environment(const std::string& name, const json& rules) {
    return call("PUT", "/api/v1/projects/" + project_id_ + "/environments/" + name, rules);
  }

  // A claimed workflow of a push to `branch` whose plan has a "deploy" to
  // `production` and a "preview" to `staging`; the ids of both pipelines.
  std::pair<std::string, std::string> planned_workflow(const std::string& branch = "main") {
    auto queued = store_->enqueue_workflow(project_id_, {}, {.name = "push", .branch = branch, .sha = "abc"});
    EXPECT_TRUE(queued);
    workflow_id_ = queued->id;
    orchestrator_->workflow_queued();
    const Reply claimed = agent_call("/api/v1/agent/claim", {{"wait_ms", 5000}}, agent_token_);
    EXPECT_EQ(claimed.status, 200) << claimed.body;
    const protocol::Job job = protocol::job_from_json(json::parse(claimed.body));
    EXPECT_EQ(job.workflow_id, workflow_id_);
    lease_ = job.lease;
    core::Plan plan;
    for (const char* name : {"deploy", "preview"}) {
      core::PipelineSpec pipeline{.name = name, .base_name = name, .stages = {{"ship", {{.name = "ship"}}}}};
      pipeline.environment = std::string{name} == "deploy" ? "production" : "staging";
      plan.pipelines.push_back(pipeline);
    }
    const Reply planned = agent_call("/api/v1/agent/workflows/" + workflow_id_ + "/plan",
                                     {{"plan", protocol::to_json(plan)}}, agent_token_, lease_);
    EXPECT_EQ(planned.status, 200) << planned.body;
    const protocol::PlanIds ids = protocol::plan_ids_from_json(json::parse(planned.body));
    return {ids.pipelines.at(0).id, ids.pipelines.at(1).id};
  }

  protocol::GateAnswer ask_gate(const std::string& pipeline_id) {
    const Reply reply =
        agent_call(protocol::gate_path(workflow_id_, pipeline_id), json::object(), agent_token_, lease_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? protocol::gate_answer_from_json(json::parse(reply.body)) : protocol::GateAnswer{};
  }

  std::string project_id_;
  std::string agent_token_;
  std::string workflow_id_;
  std::string lease_;
};

TEST_P(EnvironmentTest, AnEnvironmentIsSetListedAndDeletedByProjectAdmins) {
  Reply created = put_environment("production", {{"approvers", {"Alice", "writers"}},
                                                 {"branches", {"main"}},
                                                 {"wait_timer_minutes", 5}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json view = json::parse(created.body);
  EXPECT_EQ(view["approvers"], json({"alice", "writers"}));
  EXPECT_EQ(view["approvers_note"], "alice or a person with write access");
  EXPECT_EQ(view["wait_timer_minutes"], 5);
  EXPECT_EQ(put_environment("production", {{"branches", {"main"}}}).status, 200);
  EXPECT_EQ(put_environment("production", {{"aprovers", {"alice"}}}).status, 400);  // a typo is an error
  EXPECT_EQ(put_environment("production", {{"wait_timer_minutes", -1}}).status, 400);
  EXPECT_EQ(put_environment("prod%20uction", json::object()).status, 400);

  grant(project_id_, "writer", "write");
  const std::string writer = token_of("writer");
  EXPECT_EQ(as(writer, "GET", "/api/v1/projects/" + project_id_ + "/environments").status, 200);
  EXPECT_EQ(as(writer, "PUT", "/api/v1/projects/" + project_id_ + "/environments/staging", "{}").status, 403);
  EXPECT_EQ(as(writer, "PUT", "/api/v1/projects/" + project_id_ + "/environments/production/secrets/KEY",
               R"({"value": "s3cr3t-value"})")
                .status,
            403);
  const Reply listed = call("GET", "/api/v1/projects/" + project_id_ + "/environments");
  EXPECT_EQ(json::parse(listed.body)["items"].size(), 1u);
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + project_id_ + "/environments/production").status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + project_id_ + "/environments/production").status, 404);
}

TEST_P(EnvironmentTest, ADeployWaitsForAnApproverAndGetsItsEnvironmentsSecretsOnly) {
  ASSERT_EQ(put_environment("production", {{"approvers", {"alice"}}}).status, 201);
  ASSERT_EQ(put_environment("staging", json::object()).status, 201);
  ASSERT_EQ(call("PUT", "/api/v1/projects/" + project_id_ + "/environments/production/secrets/DEPLOY_KEY",
                 json{{"value", "prod-s3cr3t"}})
                .status,
            201);
  const auto [deploy, preview] = planned_workflow();

  const protocol::GateAnswer staging = ask_gate(preview);
  EXPECT_EQ(staging.decision, protocol::GateDecision::Run);
  EXPECT_TRUE(staging.secrets.empty());
  const protocol::GateAnswer waiting = ask_gate(deploy);
  EXPECT_EQ(waiting.decision, protocol::GateDecision::Wait);
  EXPECT_EQ(waiting.reason, "waiting for approval by alice (environment \"production\")");
  const json gate = json::parse(call("GET", "/api/v1/pipelines/" + deploy + "/gate").body);
  EXPECT_EQ(gate["status"], "waiting_for_approval");
  EXPECT_EQ(gate["approval"]["approvers"], json({"alice"}));
  // The claim's job never carries an environment's secret.
  EXPECT_TRUE(store_->project_secrets(project_id_)->empty());

  // A writer who is not an approver may not approve; an approver may, once.
  grant(project_id_, "bob", "write");
  const Reply refused = as(token_of("bob"), "POST", "/api/v1/pipelines/" + deploy + "/approve");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(as(token_of("carol"), "POST", "/api/v1/pipelines/" + deploy + "/approve").status, 404);  // cannot read it
  grant(project_id_, "alice", "read");
  const Reply approved = as(token_of("alice"), "POST", "/api/v1/pipelines/" + deploy + "/approve");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(json::parse(approved.body)["approval"]["approved_by"], "alice");
  EXPECT_EQ(as(token_of("alice"), "POST", "/api/v1/pipelines/" + deploy + "/reject").status, 409);

  const protocol::GateAnswer run = ask_gate(deploy);
  EXPECT_EQ(run.decision, protocol::GateDecision::Run);
  ASSERT_EQ(run.secrets.size(), 1u);
  EXPECT_EQ(run.secrets[0].name, "DEPLOY_KEY");
  EXPECT_EQ(run.secrets[0].value, "prod-s3cr3t");

  const auto audit = store_->list_audit_entries({.action = "pipeline.approve"}, {});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->items.size(), 1u);
  EXPECT_EQ(audit->items[0].actor, "alice");
  EXPECT_EQ(audit->items[0].detail, "pipeline deploy of workflow " + workflow_id_ + " (environment production)");
}

TEST_P(EnvironmentTest, ARejectedDeployIsCancelledAndABranchNotAllowedIsSkipped) {
  ASSERT_EQ(put_environment("production", {{"approvers", {"writers"}}, {"branches", {"main"}}}).status, 201);
  const auto [deploy, preview] = planned_workflow();
  EXPECT_EQ(ask_gate(deploy).decision, protocol::GateDecision::Wait);
  grant(project_id_, "reader", "read");
  EXPECT_EQ(as(token_of("reader"), "POST", "/api/v1/pipelines/" + deploy + "/reject").status, 403);
  grant(project_id_, "dana", "write");
  ASSERT_EQ(as(token_of("dana"), "POST", "/api/v1/pipelines/" + deploy + "/reject").status, 200);
  const protocol::GateAnswer rejected = ask_gate(deploy);
  EXPECT_EQ(rejected.decision, protocol::GateDecision::Cancel);
  EXPECT_EQ(rejected.reason, "rejected by dana");
  EXPECT_EQ(store_->list_audit_entries({.action = "pipeline.reject"}, {})->items.size(), 1u);

  const auto [feature_deploy, feature_preview] = planned_workflow("feature");
  const protocol::GateAnswer skipped = ask_gate(feature_deploy);
  EXPECT_EQ(skipped.decision, protocol::GateDecision::Skip);
  EXPECT_EQ(skipped.reason, "branch \"feature\" may not deploy to environment \"production\" (its branches: main)");
}

INSTANTIATE_TEST_SUITE_P(Backends, EnvironmentTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
