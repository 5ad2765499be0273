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

TEST(ProtocolTest, PlanSurvivesTheRoundTrip) {
  const core::Plan plan = sample_plan();
  const core::Plan back = protocol::plan_from_json(json::parse(protocol::to_json(plan).dump()));
  ASSERT_EQ(back.pipelines.size(), 2u);
  const auto& test = back.pipelines[1];
  EXPECT_EQ(test.name, "test (gcc)");
  EXPECT_EQ(test.base_name, "test");
  EXPECT_EQ(test.matrix.at("compiler"), "gcc");
  EXPECT_EQ(test.depends_on, std::vector<std::string>{"lint"});
  EXPECT_EQ(test.timeout.count(), 600000);
  const auto& unit = test.stages.at(0).executions.at(0);
  EXPECT_EQ(unit.run, "make test");
  EXPECT_EQ(unit.image, "debian:bookworm");
  EXPECT_EQ(unit.env.at("CC"), "gcc");
  EXPECT_EQ(unit.timeout.count(), 90000);
  EXPECT_EQ(unit.retry, 2);
  EXPECT_TRUE(unit.allow_failure);
  ASSERT_EQ(back.skipped.size(), 1u);
  EXPECT_EQ(back.skipped[0].reason, "branch \"dev\" does not match branches");
}

TEST(ProtocolTest, JobSurvivesTheRoundTrip) {
  protocol::Job job;
  job.workflow_id = "w1";
  job.attempt = 2;
  job.project_id = "p1";
  job.repository = {"acme", "rocket", "http://127.0.0.1:9/acme/rocket.git"};
  job.event = {"pull_request", "feature", "main", "", "abc123", {"src/a.c", "README.md"}, true};
  job.secrets = {{"TOKEN", "s3cret"}};
  job.heartbeat_interval = std::chrono::milliseconds{250};
  job.lease = std::chrono::milliseconds{4'000};
  job.clone_token = "ghs_clone";
  const protocol::Job back = protocol::job_from_json(json::parse(protocol::to_json(job).dump()));
  EXPECT_EQ(back.workflow_id, "w1");
  EXPECT_EQ(back.attempt, 2);
  EXPECT_EQ(back.repository.url, job.repository.url);
  EXPECT_EQ(back.event.target_branch, "main");
  EXPECT_EQ(back.event.changed_paths, job.event.changed_paths);
  EXPECT_TRUE(back.event.from_fork);
  EXPECT_EQ(back.secrets.at("TOKEN"), "s3cret");
  EXPECT_EQ(back.heartbeat_interval.count(), 250);
  EXPECT_EQ(back.lease.count(), 4'000);
  EXPECT_EQ(back.clone_token, "ghs_clone");
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
  EXPECT_THROW(protocol::event_from_json({{"name", "push"}, {"from_fork", "yes"}}), protocol::Malformed);
}

}  // namespace
