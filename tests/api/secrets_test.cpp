// /api/v1/projects/{id}/secrets: set, list, delete over real HTTP; values are
// never returned, scopes are, and bad input changes nothing.
#include "api_fixture.h"

namespace api::testing {
namespace {

constexpr const char* kMissingProject = "01900000-0000-7000-8000-000000000000";

class SecretsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    project_ = create("acme", "web", "https://github.com/acme/web.git")["id"];
    secrets_ = "/api/v1/projects/" + project_ + "/secrets";
  }

  Reply put(const std::string& name, const json& value) {
    return call("PUT", secrets_ + "/" + name, json{{"value", value}});
  }

  // Sends the request and checks its status and error code, and that the
  // project's secrets stayed as they were.
  void expect_rejected(const std::string& method, const std::string& target, const std::string& body, int status,
                       const std::string& code) {
    const core::Env before = values();
    const json listed = json::parse(call("GET", secrets_).body);
    const Reply reply = call(method, target, body);
    EXPECT_EQ(reply.status, status) << method << " " << target << " " << body.substr(0, 80) << " → " << reply.body;
    EXPECT_EQ(error_code(reply), code);
    EXPECT_EQ(values(), before);
    EXPECT_EQ(json::parse(call("GET", secrets_).body), listed);
  }

  // The error message of a refused PUT of `body` to KEPT.
  std::string refusal(const json& body) {
    expect_rejected("PUT", secrets_ + "/KEPT", body.dump(), 400, "invalid");
    return json::parse(call("PUT", secrets_ + "/KEPT", body).body)["error"]["message"];
  }

  core::Env values() { return store::testing::secret_values(*store_, project_); }

  std::string project_;
  std::string secrets_;
};

TEST_P(SecretsApiTest, SecretsAreCreatedReplacedListedAndDeleted) {
  const Reply created = put("DEPLOY_TOKEN", "first-value");
  EXPECT_EQ(created.status, 201) << created.body;
  const Reply replaced = put("DEPLOY_TOKEN", "second-value");
  EXPECT_EQ(replaced.status, 204) << replaced.body;
  EXPECT_EQ(values(), (core::Env{{"DEPLOY_TOKEN", "second-value"}}));

  const Reply listed = call("GET", secrets_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json items = json::parse(listed.body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["name"], "DEPLOY_TOKEN");
  EXPECT_EQ(items[0]["created_at"].get<std::string>().back(), 'Z');
  EXPECT_LE(items[0]["created_at"], items[0]["updated_at"]);
  EXPECT_EQ(items[0]["events"], json({"push", "tag", "manual", "cron"})) << "the default scope";
  EXPECT_EQ(items[0]["branches"], json::array());
  EXPECT_EQ(items[0]["pipelines"], json::array());
  EXPECT_EQ(items[0].size(), 6u) << "name, scope and timestamps only";
  for (const Reply& reply : {created, replaced, listed}) EXPECT_EQ(reply.body.find("-value"), std::string::npos);

  EXPECT_EQ(call("DELETE", secrets_ + "/DEPLOY_TOKEN").status, 204);
  const Reply again = call("DELETE", secrets_ + "/DEPLOY_TOKEN");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(error_code(again), "not_found");
  EXPECT_EQ(json::parse(call("GET", secrets_).body), (json{{"items", json::array()}}));
}

TEST_P(SecretsApiTest, BadNamesAndValuesAre400AndChangeNothing) {
  ASSERT_EQ(put("KEPT", "kept-value").status, 201);
  for (const std::string name : {"1ABC", "A-B", "A%20B", "FACTORY_TOKEN", "CI", "PATH", "LD_PRELOAD"})
    expect_rejected("PUT", secrets_ + "/" + name, R"({"value": "some-value"})", 400, "invalid");
  expect_rejected("PUT", secrets_ + "/" + std::string(256, 'A'), R"({"value": "some-value"})", 400, "invalid");
  for (const std::string body : {R"({"value": ""})", R"({"value": "abc"})", R"({"value": "a\u0000bcd"})",
                                 R"({"value": 1234})", R"({})", R"({"value": "some-value", "name": "KEPT"})"})
    expect_rejected("PUT", secrets_ + "/KEPT", body, 400, "invalid");
  expect_rejected("PUT", secrets_ + "/KEPT", json{{"value", std::string(64 * 1024 + 1, 'v')}}.dump(), 400, "invalid");
  expect_rejected("PUT", secrets_ + "/KEPT", "{\"value\": ", 400, "malformed_json");
  expect_rejected("PUT", "/api/v1/projects/not-a-uuid/secrets/KEPT", R"({"value": "some-value"})", 400, "invalid");
}

TEST_P(SecretsApiTest, ScopesAreSetWithTheValueAndListed) {
  const json scope = {{"events", {"tag", "manual"}}, {"branches", {"main", "release/**"}}, {"pipelines", {"deploy"}}};
  json body = scope;
  body["value"] = "deploy-value";
  ASSERT_EQ(call("PUT", secrets_ + "/DEPLOY_TOKEN", body).status, 201);
  json listed = json::parse(call("GET", secrets_).body)["items"][0];
  for (const char* list : {"events", "branches", "pipelines"}) EXPECT_EQ(listed[list], scope[list]) << list;

  // A list left out (or null) has its default again: a PUT sets the whole scope.
  ASSERT_EQ(call("PUT", secrets_ + "/DEPLOY_TOKEN", json{{"value", "deploy-value"}, {"branches", nullptr}}).status,
            204);
  listed = json::parse(call("GET", secrets_).body)["items"][0];
  EXPECT_EQ(listed["events"], json({"push", "tag", "manual", "cron"}));
  EXPECT_EQ(listed["branches"], json::array());
  EXPECT_EQ(listed["pipelines"], json::array());
}

TEST_P(SecretsApiTest, BadScopesAre400NamingTheEntryAndChangeNothing) {
  ASSERT_EQ(put("KEPT", "kept-value").status, 201);
  const auto with = [](json scope) {
    scope["value"] = "some-value";
    return scope;
  };
  EXPECT_EQ(refusal(with({{"events", {"push", "deploy"}}})),
            "events[1] \"deploy\" is not an event (push, tag, pull_request, manual, cron)");
  EXPECT_EQ(refusal(with({{"events", json::array()}})),
            "events must name at least one event (push, tag, pull_request, manual, cron)");
  EXPECT_NE(refusal(with({{"branches", {"main", "[main"}}})).find("branches[1] \"[main\" is not a glob"),
            std::string::npos);
  EXPECT_EQ(refusal(with({{"pipelines", {"deploy", ""}}})), "pipelines[1] is empty");
  EXPECT_EQ(refusal(with({{"events", "push"}})), "field 'events' must be an array of strings");
  EXPECT_EQ(refusal(with({{"branches", {"main", 7}}})), "field 'branches[1]' must be a string");
  EXPECT_EQ(refusal(with({{"pipelines", {{"name", "deploy"}}}})), "field 'pipelines' must be an array of strings");
}

TEST_P(SecretsApiTest, ALargestValueFitsEvenWhenEveryByteIsEscaped) {
  const std::string value(64 * 1024, '\x01');  // each byte a six-byte \u0001 in the JSON body
  const Reply reply = put("BINARYISH", value);
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(values().at("BINARYISH"), value);
}

TEST_P(SecretsApiTest, AnUnknownProjectIs404) {
  const std::string missing = std::string("/api/v1/projects/") + kMissingProject + "/secrets";
  for (const Reply& reply : {call("GET", missing), call("PUT", missing + "/TOKEN", json{{"value", "some-value"}}),
                             call("DELETE", missing + "/TOKEN")}) {
    EXPECT_EQ(reply.status, 404) << reply.body;
    EXPECT_EQ(error_code(reply), "not_found");
  }
}

TEST_P(SecretsApiTest, SecretsNeedAToken) {
  EXPECT_EQ(client_->request("GET", secrets_).status, 401);
  EXPECT_EQ(client_->request("PUT", secrets_ + "/TOKEN", R"({"value": "some-value"})",
                             {"Content-Type: application/json"})
                .status,
            401);
  EXPECT_TRUE(values().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SecretsApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
