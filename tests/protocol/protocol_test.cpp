#include "protocol/protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

core::Plan sample_plan() {
  core::ExecutionSpec unit{"unit", "make test", "debian:bookworm", {{"CC", "gcc"}}, std::chrono::milliseconds{90000},
                           2, true};
  core::PipelineSpec test{"test (gcc)", "test", {{"compiler", "gcc"}}, {"lint"}, std::chrono::milliseconds{600000},
                          {{"check", {unit}}}};
  core::PipelineSpec lint{"lint", "lint", {}, {}, {}, {{"style", {{"fmt", "make fmt", "", {}, {}, 0, false}}}}};
  return {{lint, test}, {{"deploy", "branch \"dev\" does not match branches"}}};
}

TEST(ProtocolTest, PlanSurvivesTheRoundTripAsTheServerRecordsIt) {
  const core::Plan plan = sample_plan();
  const core::Plan back = protocol::plan_from_json(json::parse(protocol::to_json(plan).dump()));
  ASSERT_EQ(back.pipelines.size(), 2u);
  const auto& test = back.pipelines[1];
  EXPECT_EQ(test.name, "test (gcc)");
  EXPECT_EQ(test.base_name, "test");
  EXPECT_EQ(test.matrix.at("compiler"), "gcc");
  EXPECT_EQ(test.depends_on, std::vector<std::string>{"lint"});
  EXPECT_EQ(test.timeout.count(), 600000);
  ASSERT_EQ(test.stages.at(0).name, "check");
  EXPECT_EQ(test.stages.at(0).executions.at(0).name, "unit");
  ASSERT_EQ(back.skipped.size(), 1u);
  EXPECT_EQ(back.skipped[0].reason, "branch \"dev\" does not match branches");
}

// Scripts and environments stay with the agent: once it runs them they hold
// the project's secrets.
TEST(ProtocolTest, APlanCarriesNoScriptOrEnvironment) {
  core::Plan plan = sample_plan();
  plan.pipelines[1].stages[0].executions[0].env["DEPLOY_KEY"] = "s3cr3t-value";
  const std::string text = protocol::to_json(protocol::PlanReport{plan, {}}).dump();
  EXPECT_EQ(text.find("s3cr3t-value"), std::string::npos) << text;
  EXPECT_EQ(text.find("DEPLOY_KEY"), std::string::npos) << text;
  EXPECT_EQ(text.find("make test"), std::string::npos) << text;
  const protocol::PlanReport back = protocol::plan_report_from_json(json::parse(text));
  ASSERT_TRUE(back.plan);
  EXPECT_EQ(back.plan->pipelines.size(), 2u);
  const protocol::PlanReport failed =
      protocol::plan_report_from_json(protocol::to_json(protocol::PlanReport{std::nullopt, "error: at 1:1"}));
  EXPECT_FALSE(failed.plan);
  EXPECT_EQ(failed.diagnostics, "error: at 1:1");
}

// A service goes by its name only: its image, command, script and
// environment stay with the agent like an execution's.
TEST(ProtocolTest, ServicesTravelByNameOnly) {
  core::Plan plan = sample_plan();
  core::ServiceSpec db;
  db.name = "db";
  db.image = "postgres:16";
  db.command = {"postgres", "-c", "fsync=off"};
  db.env = {{"POSTGRES_PASSWORD", "s3cr3t-value"}};
  db.ports = {5432};
  db.ready_run = "pg_isready --quiet";
  plan.pipelines[1].services = {db};
  const std::string text = protocol::to_json(plan).dump();
  for (const char* hidden : {"postgres:16", "fsync", "s3cr3t-value", "POSTGRES_PASSWORD", "pg_isready"})
    EXPECT_EQ(text.find(hidden), std::string::npos) << text;
  const core::Plan back = protocol::plan_from_json(json::parse(text));
  ASSERT_EQ(back.pipelines[1].services.size(), 1u);
  EXPECT_EQ(back.pipelines[1].services[0].name, "db");
  EXPECT_TRUE(back.pipelines[0].services.empty());
  EXPECT_THROW(protocol::plan_from_json(json::parse(
                   R"({"pipelines": [{"name": "p", "services": [{"image": "x"}]}]})")),
               protocol::Malformed);
}

// What an execution keeps beyond itself travels for the server to show:
// cache names and keys, artifact patterns and when. Cache paths, restore
// keys and needs_artifacts stay with the agent.
TEST(ProtocolTest, CachesAndArtifactsTravelAsTheServerShowsThem) {
  core::Plan plan = sample_plan();
  core::ExecutionSpec& unit = plan.pipelines[1].stages[0].executions[0];
  unit.caches = {{"npm", "npm-3f2a9c", {"~/.npm", "node_modules"}, {"npm-"}},
                 {"ccache", "cc@1,x=y:z+w", {".ccache"}, {}}};
  unit.artifacts = {"dist/**", "!dist/*.map"};
  unit.artifacts_when = core::ArtifactsWhen::Always;
  unit.needs_artifacts = {{1, 0, 0, "build/compile"}};
  const std::string text = protocol::to_json(plan).dump();
  for (const char* hidden : {"node_modules", "~/.npm", "build/compile"})
    EXPECT_EQ(text.find(hidden), std::string::npos) << text;
  const core::ExecutionSpec back = protocol::plan_from_json(json::parse(text)).pipelines[1].stages[0].executions[0];
  EXPECT_EQ(back.caches,
            (std::vector<core::CacheSpec>{{"npm", "npm-3f2a9c", {}, {}}, {"ccache", "cc@1,x=y:z+w", {}, {}}}));
  EXPECT_EQ(back.artifacts, unit.artifacts);
  EXPECT_EQ(back.artifacts_when, core::ArtifactsWhen::Always);
  EXPECT_TRUE(back.needs_artifacts.empty());
  const json lint = protocol::to_json(plan)["pipelines"][0]["stages"][0]["executions"][0];
  EXPECT_EQ(lint, (json{{"name", "fmt"}})) << "an execution that keeps nothing says nothing more";
  for (auto when : {core::ArtifactsWhen::Success, core::ArtifactsWhen::Failure}) {
    unit.artifacts_when = when;
    EXPECT_EQ(protocol::plan_from_json(protocol::to_json(plan)).pipelines[1].stages[0].executions[0].artifacts_when,
              when);
  }
}

// The server takes what it records only within the bounds a configuration has.
TEST(ProtocolTest, CachesAndArtifactsOutsideTheirBoundsAreMalformed) {
  auto execution = [](json fields) {
    fields["name"] = "e";
    const json stage{{"name", "s"}, {"executions", json::array({fields})}};
    const json pipeline{{"name", "p"}, {"stages", json::array({stage})}};
    return json{{"pipelines", json::array({pipeline})}};
  };
  auto caches = [](std::string name, std::string key) {
    return json{{"caches", json::array({json{{"name", name}, {"key", key}}})}};
  };
  EXPECT_EQ(protocol::plan_from_json(execution(caches("npm", "k"))).pipelines[0].stages[0].executions[0].caches.size(),
            1u);
  EXPECT_NO_THROW(protocol::plan_from_json(execution({{"artifacts", json::array({"dist/**"})}})));
  for (const json& bad : {caches("npm", "a/b"), caches("npm", std::string(513, 'k')), caches("node modules", "k"),
                          caches("npm", ""), json{{"artifacts", json::array({""})}},
                          json{{"artifacts", json::array({std::string(1025, 'a')})}},
                          json{{"artifacts", json::array({"dist/**"})}, {"artifacts_when", "sometimes"}}}) {
    EXPECT_THROW(protocol::plan_from_json(execution(bad)), protocol::Malformed) << bad.dump();
  }
  json many = json::array();
  for (int i = 0; i < 21; ++i) many.push_back({{"name", "c" + std::to_string(i)}, {"key", "k"}});
  EXPECT_THROW(protocol::plan_from_json(execution({{"caches", many}})), protocol::Malformed);
  EXPECT_THROW(protocol::plan_from_json(execution({{"artifacts", json(std::vector<std::string>(101, "x"))}})),
               protocol::Malformed);
}

TEST(ProtocolTest, ServicesGroupIdsSurviveTheRoundTrip) {
  protocol::PlanIds ids{{{"p1", "build", {{"s1", {"e1"}}}, protocol::StageIds{"g1", {"svc1", "svc2"}}},
                         {"p2", "lint", {}, std::nullopt}}};
  const protocol::PlanIds back = protocol::plan_ids_from_json(json::parse(protocol::to_json(ids).dump()));
  ASSERT_TRUE(back.pipelines[0].services);
  EXPECT_EQ(back.pipelines[0].services->id, "g1");
  EXPECT_EQ(back.pipelines[0].services->executions, (std::vector<std::string>{"svc1", "svc2"}));
  EXPECT_EQ(back.pipelines[0].stages[0].id, "s1");
  EXPECT_FALSE(back.pipelines[1].services);
}

TEST(ProtocolTest, PlanIdsSurviveTheRoundTrip) {
  const protocol::PlanIds ids{{{"p1", "build", {{"s1", {"e1", "e2"}}, {"s2", {}}}}, {"p2", "lint", {}}}};
  const protocol::PlanIds back = protocol::plan_ids_from_json(json::parse(protocol::to_json(ids).dump()));
  ASSERT_EQ(back.pipelines.size(), 2u);
  EXPECT_EQ(back.pipelines[0].id, "p1");
  EXPECT_EQ(back.pipelines[0].name, "build");
  EXPECT_EQ(back.pipelines[0].stages[0].executions, (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ(back.pipelines[0].stages[1].id, "s2");
  EXPECT_EQ(back.pipelines[1].id, "p2");
  EXPECT_TRUE(back.kept.empty());
  EXPECT_FALSE(protocol::to_json(ids).contains("kept")) << "plans of workflows that keep nothing say nothing more";
}

TEST(ProtocolTest, KeptExecutionsSurviveTheRoundTrip) {
  protocol::PlanIds ids{{{"p1", "build", {{"s1", {"e1", "e2", "e3"}}}}}, {}};
  ids.kept = {{"e1", core::Status::Success, "kept from workflow w1", 0},
              {"e3", core::Status::Failure, "kept from workflow w1", std::nullopt}};
  const protocol::PlanIds back = protocol::plan_ids_from_json(json::parse(protocol::to_json(ids).dump()));
  EXPECT_EQ(back.kept, ids.kept);
  EXPECT_THROW(protocol::plan_ids_from_json({{"pipelines", json::array()},
                                             {"kept", {{{"execution", "e1"}, {"status", "running"}}}}}),
               protocol::Malformed);
}

TEST(ProtocolTest, EventBatchSurvivesTheRoundTrip) {
  protocol::EventBatch batch;
  batch.logs.push_back({"e1", {{1, protocol::Stream::Stdout, 1700, "hello"}, {2, protocol::Stream::Stderr, 1701, ""}}});
  batch.changes.push_back({protocol::Node::Execution, "e1", core::Status::Failure, 1702, "exit code 2", 2});
  batch.changes.push_back({protocol::Node::Pipeline, "p1", core::Status::Running, std::nullopt, "", std::nullopt});
  const protocol::EventBatch back = protocol::event_batch_from_json(json::parse(protocol::to_json(batch).dump()));
  ASSERT_EQ(back.logs.size(), 1u);
  EXPECT_EQ(back.logs[0].execution, "e1");
  ASSERT_EQ(back.logs[0].lines.size(), 2u);
  EXPECT_EQ(back.logs[0].lines[0].text, "hello");
  EXPECT_EQ(back.logs[0].lines[1].seq, 2);
  EXPECT_EQ(back.logs[0].lines[1].stream, protocol::Stream::Stderr);
  EXPECT_EQ(back.logs[0].lines[1].at_ms, 1701);
  ASSERT_EQ(back.changes.size(), 2u);
  EXPECT_EQ(back.changes[0].node, protocol::Node::Execution);
  EXPECT_EQ(back.changes[0].status, core::Status::Failure);
  EXPECT_EQ(back.changes[0].at_ms, 1702);
  EXPECT_EQ(back.changes[0].reason, "exit code 2");
  EXPECT_EQ(back.changes[0].exit_code, 2);
  EXPECT_EQ(back.changes[1].node, protocol::Node::Pipeline);
  EXPECT_FALSE(back.changes[1].at_ms);
  EXPECT_FALSE(back.changes[1].exit_code);
}

TEST(ProtocolTest, TestResultsTravelBeforeTheChangesAndKeepTheirBounds) {
  protocol::EventBatch batch;
  core::TestResults results{{12, 1, 1, 2, 1, 3400}, {}};
  results.problems.push_back({core::TestOutcome::Failure, "unit", "adds", "expected 2", "AssertionError",
                              "tests/test_a.py", 7, "trace"});
  results.problems.push_back({core::TestOutcome::Flaky, "unit", "waits", "timed out", "", "", 0, ""});
  batch.tests.push_back({"e1", results});
  batch.changes.push_back({protocol::Node::Execution, "e1", core::Status::Failure, 1702, "exit code 1", 1});
  const json sent = protocol::to_json(batch);
  EXPECT_EQ(sent["tests"][0]["execution"], "e1");
  EXPECT_EQ(sent["tests"][0]["totals"]["passed"], 8);
  const protocol::EventBatch back = protocol::event_batch_from_json(json::parse(sent.dump()));
  ASSERT_EQ(back.tests.size(), 1u);
  EXPECT_EQ(back.tests[0].execution, "e1");
  EXPECT_EQ(back.tests[0].results, results);

  json too_long = sent;
  too_long["tests"][0]["problems"][0]["message"] = std::string(core::kMaxTestMessageBytes + 1, 'm');
  try {
    protocol::event_batch_from_json(too_long);
    ADD_FAILURE() << "a message over its bound was taken";
  } catch (const protocol::Malformed& error) {
    EXPECT_STREQ(error.what(), "events.tests[0].problems[0].message is longer than 4096 bytes");
  }
  json too_many = sent;
  too_many["tests"][0]["problems"] = json::array();
  for (std::size_t i = 0; i <= core::kMaxListedTests; ++i)
    too_many["tests"][0]["problems"].push_back(sent["tests"][0]["problems"][0]);
  EXPECT_THROW(protocol::event_batch_from_json(too_many), protocol::Malformed);
  json impossible = sent;
  impossible["tests"][0]["totals"]["tests"] = 2;
  EXPECT_THROW(protocol::event_batch_from_json(impossible), protocol::Malformed);
}

TEST(ProtocolTest, SmallBodiesSurviveTheRoundTrip) {
  const protocol::ClaimRequest claim =
      protocol::claim_request_from_json(protocol::to_json(protocol::ClaimRequest{std::chrono::milliseconds{500}, "h1"}));
  EXPECT_EQ(claim.wait.count(), 500);
  EXPECT_EQ(claim.agent, "h1");
  EXPECT_EQ(protocol::claim_request_from_json(json::object()).wait.count(), 25'000);
  EXPECT_TRUE(protocol::cancel_answer_from_json(protocol::to_json(protocol::CancelAnswer{true})).cancel);
  EXPECT_FALSE(protocol::cancel_answer_from_json(protocol::to_json(protocol::CancelAnswer{false})).cancel);
  const protocol::Completion done =
      protocol::completion_from_json(protocol::to_json(protocol::Completion{core::Status::Cancelled, "asked"}));
  EXPECT_EQ(done.status, core::Status::Cancelled);
  EXPECT_EQ(done.reason, "asked");
}

// The gate's settings travel with the plan, so that the server decides a
// pipeline's gate from what it recorded.
TEST(ProtocolTest, APlanCarriesEachPipelinesGate) {
  core::Plan plan = sample_plan();
  plan.pipelines[1].concurrency = "deploy-main";
  plan.pipelines[1].cancel_in_progress = true;
  plan.pipelines[1].environment = "production";
  const core::Plan back = protocol::plan_from_json(json::parse(protocol::to_json(plan).dump()));
  EXPECT_EQ(back.pipelines[1].concurrency, "deploy-main");
  EXPECT_TRUE(back.pipelines[1].cancel_in_progress);
  EXPECT_EQ(back.pipelines[1].environment, "production");
  EXPECT_TRUE(back.pipelines[1].gated());
  EXPECT_FALSE(back.pipelines[0].gated());
}

TEST(ProtocolTest, GateAnswersSurviveTheRoundTrip) {
  for (auto decision : {protocol::GateDecision::Run, protocol::GateDecision::Wait, protocol::GateDecision::Skip,
                        protocol::GateDecision::Cancel}) {
    const protocol::GateAnswer answer{decision, "held by workflow w1", std::chrono::milliseconds{250},
                                      {{"DEPLOY_KEY", "d3ploy", {}}}};
    EXPECT_EQ(protocol::gate_answer_from_json(json::parse(protocol::to_json(answer).dump())), answer);
  }
  EXPECT_EQ(protocol::gate_path("w1", "p1"), "/api/v1/agent/workflows/w1/pipelines/p1/gate");
  EXPECT_EQ(protocol::gate_route_pattern(), "/api/v1/agent/workflows/{id}/pipelines/{pipeline_id}/gate");
  EXPECT_THROW(protocol::gate_answer_from_json({{"decision", "later"}}), protocol::Malformed);
  EXPECT_THROW(protocol::gate_answer_from_json({{"decision", "wait"}, {"retry_after_ms", -1}}), protocol::Malformed);
}

TEST(ProtocolTest, RoutesAndErrorCodes) {
  EXPECT_EQ(protocol::workflow_path("w1", protocol::Call::Events), "/api/v1/agent/workflows/w1/events");
  EXPECT_EQ(protocol::route_pattern(protocol::Call::Heartbeat), "/api/v1/agent/workflows/{id}/heartbeat");
  EXPECT_EQ(protocol::error_code({{"error", {{"code", "lease_lost"}, {"message", "stop"}}}}), protocol::kLeaseLost);
  EXPECT_EQ(protocol::error_code(json::object()), "");
  EXPECT_EQ(protocol::error_code(json::array()), "");
}

TEST(ProtocolTest, JobSurvivesTheRoundTrip) {
  protocol::Job job;
  job.workflow_id = "w1";
  job.attempt = 2;
  job.project_id = "p1";
  job.repository = {"acme", "rocket", "http://127.0.0.1:9/acme/rocket.git"};
  job.event = {"pull_request", "feature", "main", "", "abc123", {"src/a.c", "README.md"}, true};
  job.secrets = {{"TOKEN", "s3cret", {}}, {"DEPLOY_KEY", "d3ploy", {"deploy", "docs site"}}};
  job.heartbeat_interval = std::chrono::milliseconds{250};
  job.lease_duration = std::chrono::milliseconds{4'000};
  job.clone_token = "ghs_clone";
  job.lease = "fct_lease";
  const protocol::Job back = protocol::job_from_json(json::parse(protocol::to_json(job).dump()));
  EXPECT_EQ(back.workflow_id, "w1");
  EXPECT_EQ(back.attempt, 2);
  EXPECT_EQ(back.repository.url, job.repository.url);
  EXPECT_EQ(back.event.target_branch, "main");
  EXPECT_EQ(back.event.changed_paths, job.event.changed_paths);
  EXPECT_TRUE(back.event.from_fork);
  EXPECT_EQ(back.secrets, job.secrets);
  EXPECT_EQ(back.heartbeat_interval.count(), 250);
  EXPECT_EQ(back.lease_duration.count(), 4'000);
  EXPECT_EQ(back.clone_token, "ghs_clone");
  EXPECT_EQ(back.lease, "fct_lease");
}

TEST(ProtocolTest, ACronEventKeepsItsScheduleThroughTheRoundTrip) {
  core::Event event;
  event.name = "cron";
  event.branch = "main";
  event.sha = "abc123";
  event.schedule = "nightly";
  const core::Event back = protocol::event_from_json(json::parse(protocol::to_json(event).dump()));
  EXPECT_EQ(back.name, "cron");
  EXPECT_EQ(back.branch, "main");
  EXPECT_EQ(back.schedule, "nightly");
  EXPECT_EQ(protocol::event_from_json({{"name", "push"}}).schedule, "");
}

TEST(ProtocolTest, AManualEventsInputsSurviveTheRoundTrip) {
  const core::Event event{
      .name = "manual", .branch = "main", .inputs = {{"environment", "production"}, {"replicas", "3"}}};
  const core::Event back = protocol::event_from_json(json::parse(protocol::to_json(event).dump()));
  EXPECT_EQ(back.inputs, event.inputs);
  EXPECT_TRUE(protocol::event_from_json(json{{"name", "push"}}).inputs.empty());  // from an agent that sends none
  EXPECT_THROW(protocol::event_from_json(json{{"name", "manual"}, {"inputs", {{"replicas", 3}}}}),
               protocol::Malformed);
}

TEST(ProtocolTest, AJobWithoutACloneTokenSendsNone) {
  protocol::Job job;
  job.workflow_id = "w1";
  job.repository.url = "https://github.com/acme/rocket.git";
  EXPECT_FALSE(protocol::to_json(job).contains("clone_token"));
  EXPECT_EQ(protocol::job_from_json(protocol::to_json(job)).clone_token, "");
}

TEST(ProtocolTest, MalformedInputNamesTheField) {
  auto message_of = [](const json& plan) {
    try {
      protocol::plan_from_json(plan);
    } catch (const protocol::Malformed& error) {
      return std::string{error.what()};
    }
    return std::string{"accepted"};
  };
  EXPECT_EQ(message_of(json::array()), "plan is not a JSON object");
  EXPECT_EQ(message_of({{"pipelines", {{{"name", 3}}}}}), "plan.pipelines[0].name is not a string");
  EXPECT_EQ(message_of({{"pipelines", {{{"name", "a"}, {"stages", {{{"name", "s"}, {"executions", {json::object()}}}}}}}}}),
            "plan.pipelines[0].stages[0].executions[0].name is missing");
  EXPECT_EQ(message_of({{"pipelines", {{{"name", "a"}, {"timeout_ms", "1s"}}}}}),
            "plan.pipelines[0].timeout_ms is not an integer");
  EXPECT_THROW(protocol::job_from_json({{"workflow_id", "w"}}), protocol::Malformed);
  auto batch_message = [](const json& batch) {
    try {
      protocol::event_batch_from_json(batch);
    } catch (const protocol::Malformed& error) {
      return std::string{error.what()};
    }
    return std::string{"accepted"};
  };
  EXPECT_EQ(batch_message({{"logs", {{{"execution", "e"}, {"lines", {{{"seq", 0}}}}}}}}),
            "events.logs[0].lines[0].seq is missing or below 1 (lines count from 1)");
  EXPECT_EQ(batch_message({{"logs", {{{"execution", "e"}, {"lines", {{{"seq", 1}, {"stream", "tty"}}}}}}}}),
            "events.logs[0].lines[0].stream is not stdout or stderr");
  EXPECT_EQ(batch_message({{"logs", {{{"lines", json::array()}}}}}), "events.logs[0].execution is missing");
  EXPECT_EQ(batch_message({{"changes", {{{"node", "job"}, {"id", "x"}, {"status", "success"}}}}}),
            "events.changes[0].node is not pipeline, stage or execution");
  EXPECT_EQ(batch_message({{"changes", {{{"node", "stage"}, {"id", "x"}, {"status", "done"}}}}}),
            "events.changes[0].status is not a status (queued, running, success, failure, ...)");
  EXPECT_EQ(batch_message({{"changes", {{{"node", "stage"}, {"id", "x"}, {"status", "success"}, {"at", "now"}}}}}),
            "events.changes[0].at is not an integer");
  EXPECT_EQ(batch_message({{"changes", "all"}}), "events.changes is not an array");
  EXPECT_THROW(protocol::completion_from_json({{"status", "running"}}), protocol::Malformed);
  EXPECT_THROW(protocol::plan_ids_from_json({{"pipelines", {{{"name", "p"}}}}}), protocol::Malformed);
  EXPECT_THROW(protocol::event_from_json({{"name", "push"}, {"from_fork", "yes"}}), protocol::Malformed);
  auto job_message = [](const json& secrets) {
    try {
      protocol::job_from_json({{"workflow_id", "w"}, {"repository", {{"url", "u"}}}, {"event", {{"name", "push"}}},
                               {"secrets", secrets}});
    } catch (const protocol::Malformed& error) {
      return std::string{error.what()};
    }
    return std::string{"accepted"};
  };
  EXPECT_EQ(job_message({{"TOKEN", "s3cret"}}), "job.secrets is not an array");  // the message before scopes
  EXPECT_EQ(job_message({{{"name", "TOKEN"}}}), "job.secrets[0].value is missing");
  EXPECT_EQ(job_message({{{"name", "TOKEN"}, {"value", "s3cret"}, {"pipelines", {1}}}}),
            "job.secrets[0].pipelines holds something other than strings");
}

}  // namespace
