// /api/v1/projects/{id}/secrets: set, list, delete over real HTTP; values are
// never returned, and bad input changes nothing.
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
    const core::Env before = *store_->project_secrets(project_);
    const Reply reply = call(method, target, body);
    EXPECT_EQ(reply.status, status) << method << " " << target << " " << body.substr(0, 80) << " → " << reply.body;
    EXPECT_EQ(error_code(reply), code);
    EXPECT_EQ(*store_->project_secrets(project_), before);
  }

  std::string project_;
  std::string secrets_;
};

TEST_P(SecretsApiTest, SecretsAreCreatedReplacedListedAndDeleted) {
  const Reply created = put("DEPLOY_TOKEN", "first-value");
  EXPECT_EQ(created.status, 201) << created.body;
  const Reply replaced = put("DEPLOY_TOKEN", "second-value");
  EXPECT_EQ(replaced.status, 204) << replaced.body;
  EXPECT_EQ(*store_->project_secrets(project_), (core::Env{{"DEPLOY_TOKEN", "second-value"}}));

  const Reply listed = call("GET", secrets_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json items = json::parse(listed.body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["name"], "DEPLOY_TOKEN");
  EXPECT_EQ(items[0]["created_at"].get<std::string>().back(), 'Z');
  EXPECT_LE(items[0]["created_at"], items[0]["updated_at"]);
  EXPECT_EQ(items[0].size(), 3u) << "name and timestamps only";
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

TEST_P(SecretsApiTest, ALargestValueFitsEvenWhenEveryByteIsEscaped) {
  const std::string value(64 * 1024, '\x01');  // each byte a six-byte \u0001 in the JSON body
  const Reply reply = put("BINARYISH", value);
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(store_->project_secrets(project_)->at("BINARYISH"), value);
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
  EXPECT_TRUE(store_->project_secrets(project_)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SecretsApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
