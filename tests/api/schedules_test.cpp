// /api/v1/projects/{id}/schedules over real HTTP: made, listed, changed and
// deleted; bad fields refused with what is wrong, changing nothing; another
// project's schedule out of reach; declared schedules read-only; audited.
#include "api_fixture.h"

namespace api::testing {
namespace {

class SchedulesApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    project_ = create("acme", "web", "https://github.com/acme/web.git")["id"];
    schedules_ = "/api/v1/projects/" + project_ + "/schedules";
  }

  json listed() { return json::parse(call("GET", schedules_).body)["items"]; }

  // The refusal's message, after checking its status and code and that nothing changed.
  std::string refusal(const std::string& method, const std::string& target, const json& body, int status,
                      const std::string& code) {
    const json before = listed();
    const Reply reply = call(method, target, body);
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(error_code(reply), code);
    EXPECT_EQ(listed(), before);
    return json::parse(reply.body)["error"]["message"];
  }

  std::string project_;
  std::string schedules_;
};

TEST_P(SchedulesApiTest, AScheduleIsMadeListedChangedAndDeleted) {
  const Reply made = call("POST", schedules_, json{{"name", "nightly"}, {"cron", "0 3 * * *"}, {"branch", "main"},
                                                   {"timezone", "Europe/Berlin"}});
  ASSERT_EQ(made.status, 201) << made.body;
  const json schedule = json::parse(made.body);
  EXPECT_EQ(schedule["source"], "api");
  EXPECT_EQ(schedule["cron"], "0 3 * * *");
  EXPECT_EQ(schedule["timezone"], "Europe/Berlin");
  EXPECT_TRUE(schedule["next_slot_at"].is_string());
  EXPECT_TRUE(schedule["last_run"].is_null());
  const std::string one = schedules_ + "/" + schedule["id"].get<std::string>();
  EXPECT_EQ(made.headers.at("location"), one);

  ASSERT_EQ(listed().size(), 1u);
  const Reply changed = call("PUT", one, json{{"cron", "@hourly"}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(json::parse(changed.body)["cron"], "@hourly");
  EXPECT_EQ(json::parse(changed.body)["name"], "nightly");
  EXPECT_EQ(json::parse(call("GET", one).body)["cron"], "@hourly");
  EXPECT_EQ(call("DELETE", one).status, 204);
  EXPECT_EQ(call("GET", one).status, 404);
  EXPECT_TRUE(listed().empty());

  // Each change is in the audit log.
  const json audit = json::parse(call("GET", "/api/v1/audit?project_id=" + project_).body)["items"];
  ASSERT_GE(audit.size(), 3u);
  EXPECT_EQ(audit[0]["action"], "schedule.delete");
  EXPECT_EQ(audit[1]["action"], "schedule.update");
  EXPECT_EQ(audit[2]["action"], "schedule.create");
  EXPECT_EQ(audit[2]["detail"], "schedule nightly (0 3 * * * Europe/Berlin, branch main)");
}

TEST_P(SchedulesApiTest, BadFieldsAreRefusedWithWhatIsWrong) {
  const json good{{"name", "nightly"}, {"cron", "0 3 * * *"}, {"branch", "main"}};
  auto with = [&](const std::string& field, const json& value) {
    json body = good;
    body[field] = value;
    return body;
  };
  EXPECT_EQ(refusal("POST", schedules_, with("cron", "0 25 * * *"), 400, "invalid"),
            "cron \"0 25 * * *\": hour 25 is out of range 0-23");
  EXPECT_EQ(refusal("POST", schedules_, with("timezone", "Mars/Base"), 400, "invalid"),
            "time zone \"Mars/Base\" is not a zone of the zoneinfo database, such as \"UTC\" or \"Europe/Berlin\"");
  EXPECT_NE(refusal("POST", schedules_, with("name", "every night"), 400, "invalid").find("a schedule name"),
            std::string::npos);
  EXPECT_NE(refusal("POST", schedules_, with("branch", "a..b"), 400, "invalid").find("branch \"a..b\""),
            std::string::npos);
  EXPECT_NE(refusal("POST", schedules_, with("every", "day"), 400, "invalid").find("every"), std::string::npos);
  refusal("POST", schedules_, with("cron", 3), 400, "invalid");
  ASSERT_EQ(call("POST", schedules_, good).status, 201);
  EXPECT_EQ(refusal("POST", schedules_, good, 409, "conflict"),
            "the project has a schedule \"nightly\" on branch main already");
}

TEST_P(SchedulesApiTest, AnotherProjectsScheduleIsNotFound) {
  const std::string other = create("acme", "other", "https://github.com/acme/other.git")["id"];
  const Reply made = call("POST", "/api/v1/projects/" + other + "/schedules",
                          json{{"name", "nightly"}, {"cron", "@daily"}, {"branch", "main"}});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string theirs = schedules_ + "/" + json::parse(made.body)["id"].get<std::string>();
  EXPECT_EQ(call("GET", theirs).status, 404);
  EXPECT_EQ(call("PUT", theirs, json{{"cron", "@hourly"}}).status, 404);
  EXPECT_EQ(call("DELETE", theirs).status, 404);
  EXPECT_EQ(store_->list_schedules(other)->front().spec.cron, "@daily");
}

TEST_P(SchedulesApiTest, DeclaredSchedulesAreListedButChangeOnlyInTheirBranch) {
  const store::ScheduleSpec declared{"nightly", "0 3 * * *", "main", "UTC"};
  ASSERT_TRUE(store_->replace_declared_schedules(project_, "main", std::span{&declared, 1}).ok());
  const json items = listed();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["source"], "config");
  const std::string one = schedules_ + "/" + items[0]["id"].get<std::string>();
  EXPECT_EQ(refusal("PUT", one, json{{"cron", "@hourly"}}, 409, "conflict"),
            "schedule \"nightly\" is declared in .factory/ on branch main: change it there");
  refusal("DELETE", one, json::object(), 409, "conflict");
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulesApiTest, ::testing::Values("sqlite", "mysql", "postgres"), backend_name);

}  // namespace
}  // namespace api::testing
