// The audit log over real HTTP: an entry for each action, with its actor,
// time and address; none for refused or failed requests; GET /api/v1/audit
// with its filters, pages and access; and who triggered, re-ran and
// cancelled each workflow.
#include "api/views.h"
#include "api_fixture.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kActor = "admin token tests";  // the fixture's token is named "tests"

class AuditApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    started_ = timestamp_text(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  }

  // Every entry, newest first, as the API lists them.
  std::vector<json> entries(const std::string& query = {}) {
    const Reply reply = call("GET", "/api/v1/audit?limit=1000" + query);
    EXPECT_EQ(reply.status, 200) << reply.body;
    const json body = json::parse(reply.body);
    return body["items"].get<std::vector<json>>();
  }

  // The newest entry, checked for what every entry of the test's token has.
  json newest(const std::string& action, const std::string& project_id) {
    const auto all = entries();
    if (all.empty()) return json::object();
    const json& entry = all.front();
    EXPECT_EQ(entry["action"], action);
    EXPECT_EQ(entry["actor"], kActor);
    EXPECT_EQ(entry["address"], "127.0.0.1");
    EXPECT_GE(entry["at"].get<std::string>(), started_);
    EXPECT_EQ(entry["project_id"], project_id.empty() ? json(nullptr) : json(project_id));
    return entry;
  }

  json workflow(const std::string& id) { return json::parse(call("GET", "/api/v1/workflows/" + id).body); }

  std::string started_;
};

TEST_P(AuditApiTest, EachProjectOwnerAndSecretActionIsRecorded) {
  const json seed = create("acme", "rocket", "https://github.com/acme/rocket");
  const std::string seed_id = seed["id"];
  EXPECT_EQ(newest("project.create", seed_id)["detail"], "acme/rocket");
  ASSERT_EQ(call("PUT", "/project?id=" + seed_id, json{{"url", "https://github.com/acme/rocket2"}}).status, 200);
  EXPECT_EQ(newest("project.update", seed_id)["detail"], "changed url");

  const Reply owner = call("POST", "/api/v1/owners", json{{"name", "globex"}});
  ASSERT_EQ(owner.status, 201) << owner.body;
  const std::string owner_id = json::parse(owner.body)["id"];
  EXPECT_EQ(newest("owner.create", "")["detail"], "owner globex");
  ASSERT_EQ(call("PUT", "/api/v1/owners/" + owner_id, json{{"name", "initech"}}).status, 200);
  EXPECT_EQ(newest("owner.update", "")["detail"], "owner globex renamed initech");

  const Reply project = call("POST", "/api/v1/projects",
                             json{{"owner", "initech"}, {"name", "tps"}, {"url", "https://github.com/initech/tps"}});
  ASSERT_EQ(project.status, 201) << project.body;
  const std::string id = json::parse(project.body)["id"];
  EXPECT_EQ(newest("project.create", id)["detail"], "initech/tps");
  ASSERT_EQ(call("PUT", "/api/v1/projects/" + id, json{{"name", "reports"}, {"webhook_secret", "s3cr3t-value"}}).status,
            200);
  const json update = newest("project.update", id);
  EXPECT_EQ(update["detail"], "changed name, webhook_secret");
  EXPECT_EQ(update.dump().find("s3cr3t-value"), std::string::npos) << "never a value";

  const std::string secret = "/api/v1/projects/" + id + "/secrets/NPM_TOKEN";
  ASSERT_EQ(call("PUT", secret, json{{"value", "hunter2-secret"}}).status, 201);
  EXPECT_EQ(newest("secret.set", id)["detail"], "secret NPM_TOKEN (created)");
  ASSERT_EQ(call("PUT", secret, json{{"value", "hunter3-secret"}}).status, 204);
  EXPECT_EQ(newest("secret.set", id)["detail"], "secret NPM_TOKEN (replaced)");
  ASSERT_EQ(call("DELETE", secret).status, 204);
  EXPECT_EQ(newest("secret.delete", id)["detail"], "secret NPM_TOKEN");
  for (const json& entry : entries()) EXPECT_EQ(entry.dump().find("hunter"), std::string::npos) << entry;

  ASSERT_EQ(call("DELETE", "/api/v1/projects/" + id).status, 204);
  EXPECT_EQ(newest("project.delete", id)["detail"], "initech/reports");
  ASSERT_EQ(call("DELETE", "/api/v1/owners/" + owner_id).status, 204);
  EXPECT_EQ(newest("owner.delete", "")["detail"], "owner initech");
  ASSERT_EQ(call("DELETE", "/project?id=" + seed_id).status, 204);
  EXPECT_EQ(newest("project.delete", seed_id)["detail"], "acme/rocket");
  EXPECT_EQ(entries().size(), 12u);
}

// A request refused (no credentials, the wrong kind of token) or failing
// (bad input, a conflict, an unknown id) did nothing, and is not recorded.
TEST_P(AuditApiTest, RefusedAndFailedRequestsRecordNothing) {
  const std::string id = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
  const auto agent = store_->create_token("agent", store::TokenScope::Agent);
  ASSERT_TRUE(agent);
  const std::vector<std::string> anonymous{"Content-Type: application/json"};
  const std::vector<std::string> as_agent{"Content-Type: application/json", "Authorization: Bearer " + agent->secret};
  for (const auto& headers : {anonymous, as_agent}) {
    EXPECT_GE(client_->request("DELETE", "/api/v1/projects/" + id, "", headers).status, 401);
    EXPECT_GE(client_->request("POST", "/api/v1/projects/" + id + "/trigger", R"({"branch": "main"})", headers).status,
              401);
    EXPECT_GE(client_->request("GET", "/api/v1/audit", "", headers).status, 401);
  }
  EXPECT_EQ(call("POST", "/api/v1/projects/" + id + "/trigger", json{{"branch", "a..b"}}).status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/projects/" + id + "/secrets/PATH", json{{"value", "/usr/bin"}}).status, 400);
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + id + "/secrets/NONE").status, 404);
  const std::string owner_id = json::parse(call("GET", "/api/v1/projects/" + id).body)["owner"]["id"];
  EXPECT_EQ(call("DELETE", "/api/v1/owners/" + owner_id).status, 409);
  EXPECT_EQ(call("POST", "/api/v1/owners", json{{"name", "acme"}}).status, 409);
  const std::string queued = store_->enqueue_workflow(id, "d1", {.name = "push", .branch = "main"})->id;
  ASSERT_TRUE(store_->finish_workflow(queued, core::Status::Cancelled));
  EXPECT_EQ(call("POST", "/api/v1/workflows/" + queued + "/cancel").status, 409);

  const auto all = entries();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["action"], "project.create");
}

// The entry is written once the action is done: an entry the store cannot
// take (here its table is gone) is reported on stderr, and the action
// stands, as nothing can undo it.
TEST_P(AuditApiTest, AnEntryThatCannotBeWrittenDoesNotFailTheAction) {
  ASSERT_TRUE(database_->direct().run("DROP TABLE audit_log"));
  const Reply owner = call("POST", "/api/v1/owners", json{{"name", "globex"}});
  EXPECT_EQ(owner.status, 201) << owner.body;
  EXPECT_TRUE(store_->find_owner("globex"));
  const std::string id = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + id).status, 204);
  EXPECT_EQ(project_count(), 0u);
}

TEST_P(AuditApiTest, WorkflowsNameWhoTriggeredReranAndCancelledThem) {
  const std::string project = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
  const Reply triggered = call("POST", "/api/v1/projects/" + project + "/trigger", json{{"branch", "main"}});
  ASSERT_EQ(triggered.status, 202) << triggered.body;
  const std::string first = json::parse(triggered.body)["id"];
  EXPECT_EQ(newest("workflow.trigger", project)["detail"], "workflow " + first + " of branch main");
  EXPECT_EQ(workflow(first)["actors"],
            (json{{"triggered_by", kActor}, {"cancelled_by", nullptr}, {"rerun_of", nullptr}}));

  const Reply rerun = call("POST", "/api/v1/workflows/" + first + "/rerun");
  ASSERT_EQ(rerun.status, 202) << rerun.body;
  const std::string second = json::parse(rerun.body)["id"];
  EXPECT_EQ(newest("workflow.rerun", project)["detail"], "workflow " + second + " re-runs workflow " + first);
  EXPECT_EQ(workflow(second)["actors"], (json{{"triggered_by", kActor}, {"cancelled_by", nullptr}, {"rerun_of", first}}));

  // Queued: cancelled at once. Running: its agent is asked, and the name is kept from then.
  const Reply cancelled = call("POST", "/api/v1/workflows/" + first + "/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(newest("workflow.cancel", project)["detail"], "workflow " + first);
  EXPECT_EQ(workflow(first)["actors"]["cancelled_by"], kActor);
  ASSERT_TRUE(store_->claim_next_workflow("agent-a", 30s).value());
  ASSERT_EQ(call("POST", "/api/v1/workflows/" + second + "/cancel").status, 202);
  ASSERT_TRUE(store_->finish_workflow(second, core::Status::Cancelled, "cancelled by its agent"));
  EXPECT_EQ(workflow(second)["actors"]["cancelled_by"], kActor);
  EXPECT_EQ(newest("workflow.cancel", project)["detail"], "workflow " + second);

  const json list = json::parse(call("GET", "/api/v1/projects/" + project + "/workflows").body);
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["actors"], (json{{"triggered_by", kActor}, {"cancelled_by", kActor}, {"rerun_of", first}}));
  EXPECT_EQ(entries("&action=workflow.cancel").size(), 2u);
}

TEST_P(AuditApiTest, TheLogPagesNewestFirstAndFilters) {
  const std::string rocket = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
  const std::string probe = create("acme", "probe", "https://github.com/acme/probe")["id"];
  for (const std::string& project : {rocket, probe, rocket})
    ASSERT_EQ(call("POST", "/api/v1/projects/" + project + "/trigger", json{{"branch", "main"}}).status, 202);
  ASSERT_TRUE(store_->record_audit_entry({.actor = "octocat", .action = "workflow.trigger", .project_id = rocket}));

  const Reply first = call("GET", "/api/v1/audit?limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  const json page = json::parse(first.body);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["actor"], "octocat");
  EXPECT_EQ(page["items"][0]["address"], "");
  ASSERT_TRUE(page["next"].is_string());
  std::vector<json> rest = json::parse(call("GET", "/api/v1/audit?limit=1000&after=" +
                                                       page["next"].get<std::string>()).body)["items"];
  EXPECT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest.back()["action"], "project.create");
  EXPECT_EQ(entries().size(), 6u);

  EXPECT_EQ(entries("&project_id=" + rocket).size(), 4u);
  EXPECT_EQ(entries("&action=workflow.trigger").size(), 4u);
  EXPECT_EQ(entries("&actor=octocat").size(), 1u);
  EXPECT_EQ(entries("&project_id=" + rocket + "&action=workflow.trigger&actor=" + std::string{"admin%20token%20tests"})
                .size(),
            2u);
  EXPECT_EQ(error_code(call("GET", "/api/v1/audit?project_id=rocket")), "invalid");
  EXPECT_EQ(error_code(call("GET", "/api/v1/audit?limit=0")), "invalid");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
