// The seed endpoints: GET/POST/PUT/DELETE /project with the fields id,
// owner, project, url, webhook_secret.
#include "api_fixture.h"

namespace api::testing {
namespace {

TEST_P(ApiTest, CreateAnswers201WithTheProjectAndAGeneratedSecret) {
  const Reply reply = call("POST", "/project", json{{"owner", "acme"}, {"project", "web"},
                                                    {"url", "https://github.com/acme/web.git"}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  const json project = json::parse(reply.body);
  EXPECT_EQ(project["owner"], "acme");
  EXPECT_EQ(project["project"], "web");
  EXPECT_EQ(project["url"], "https://github.com/acme/web.git");
  EXPECT_EQ(project["id"].get<std::string>().size(), 36u);
  const std::string secret = project["webhook_secret"];
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(reply.headers.at("location"), "/project?id=" + project["id"].get<std::string>());
  EXPECT_EQ(store_->get_project(project["id"].get<std::string>())->webhook_secret, secret);
}

TEST_P(ApiTest, CreateKeepsAGivenSecretAndCreatesTheOwnerOnce) {
  const Reply first = call("POST", "/project", json{{"owner", "acme"}, {"project", "web"},
                                                    {"url", "https://github.com/acme/web.git"},
                                                    {"webhook_secret", "It's a Secret to Everybody"}});
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(json::parse(first.body)["webhook_secret"], "It's a Secret to Everybody");
  create("acme", "api", "git@github.com:acme/api.git");
  EXPECT_EQ(owner_count(), 1u);
  EXPECT_EQ(project_count(), 2u);
}

TEST_P(ApiTest, GetReturnsTheProjectWithoutItsSecret) {
  const json created = create("acme", "web", "https://github.com/acme/web.git");
  const Reply reply = call("GET", "/project?id=" + created["id"].get<std::string>());
  ASSERT_EQ(reply.status, 200);
  const json expected = {{"id", created["id"]}, {"owner", "acme"}, {"project", "web"},
                         {"url", "https://github.com/acme/web.git"}};
  EXPECT_EQ(json::parse(reply.body), expected);
}

TEST_P(ApiTest, GetWithoutIdOrWithABadOrUnknownId) {
  EXPECT_EQ(call("GET", "/project").status, 400);
  const Reply bad = call("GET", "/project?id=not-a-uuid");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(error_code(bad), "invalid");
  const Reply unknown = call("GET", "/project?id=01890000-0000-7000-8000-000000000000");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code(unknown), "not_found");
}

TEST_P(ApiTest, PutChangesTheGivenFields) {
  const json created = create("acme", "web", "https://github.com/acme/web.git");
  const std::string id = created["id"];
  const Reply reply = call("PUT", "/project?id=" + id, json{{"project", "site"}, {"owner", "acme"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["project"], "site");
  EXPECT_FALSE(json::parse(reply.body).contains("webhook_secret"));
  ASSERT_EQ(call("PUT", "/project?id=" + id, json{{"url", "git://example.com/acme/site.git"},
                                                  {"webhook_secret", "rotated"}}).status, 200);
  const auto stored = store_->get_project(id);
  EXPECT_EQ(stored->name, "site");
  EXPECT_EQ(stored->url, "git://example.com/acme/site.git");
  EXPECT_EQ(stored->webhook_secret, "rotated");
}

TEST_P(ApiTest, PutRefusesAnotherOwnerOrAnotherIdAndChangesNothing) {
  const json created = create("acme", "web", "https://github.com/acme/web.git");
  const std::string id = created["id"];
  const Reply moved = call("PUT", "/project?id=" + id, json{{"owner", "other"}, {"project", "renamed"}});
  EXPECT_EQ(moved.status, 400);
  const Reply other_id = call("PUT", "/project?id=" + id,
                              json{{"id", "01890000-0000-7000-8000-000000000000"}, {"project", "renamed"}});
  EXPECT_EQ(other_id.status, 400);
  EXPECT_EQ(store_->get_project(id)->name, "web");
  EXPECT_EQ(owner_count(), 1u);
}

TEST_P(ApiTest, PutOnAnUnknownProjectIs404) {
  const Reply reply = call("PUT", "/project?id=01890000-0000-7000-8000-000000000000", json{{"project", "x"}});
  EXPECT_EQ(reply.status, 404);
}

TEST_P(ApiTest, DeleteAnswers204ThenTheProjectIsGone) {
  const std::string id = create("acme", "web", "https://github.com/acme/web.git")["id"];
  const Reply deleted = call("DELETE", "/project?id=" + id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(call("GET", "/project?id=" + id).status, 404);
  EXPECT_EQ(call("DELETE", "/project?id=" + id).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
