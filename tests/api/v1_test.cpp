// /api/v1/owners and /api/v1/projects: list with pagination, get, create,
// update, delete.
#include "api_fixture.h"

namespace api::testing {
namespace {

TEST_P(ApiTest, OwnersCanBeCreatedListedRenamedAndDeleted) {
  const Reply created = call("POST", "/api/v1/owners", json{{"name", "acme"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json owner = json::parse(created.body);
  const std::string id = owner["id"];
  EXPECT_EQ(owner["name"], "acme");
  EXPECT_EQ(owner["created_at"].get<std::string>().back(), 'Z');
  EXPECT_EQ(created.headers.at("location"), "/api/v1/owners/" + id);

  EXPECT_EQ(json::parse(call("GET", "/api/v1/owners/" + id).body), owner);
  const Reply renamed = call("PUT", "/api/v1/owners/" + id, json{{"name", "acme-corp"}});
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(json::parse(renamed.body)["name"], "acme-corp");
  const json list = json::parse(call("GET", "/api/v1/owners").body);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["name"], "acme-corp");
  EXPECT_TRUE(list["next"].is_null());
  EXPECT_EQ(call("DELETE", "/api/v1/owners/" + id).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/owners/" + id).status, 404);
}

TEST_P(ApiTest, OwnerWithProjectsCannotBeDeleted) {
  const json project = create("acme", "web", "https://github.com/acme/web.git");
  const std::string owner_id = store_->find_owner("acme")->id;
  const Reply refused = call("DELETE", "/api/v1/owners/" + owner_id);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(error_code(refused), "conflict");
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + project["id"].get<std::string>()).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/owners/" + owner_id).status, 204);
}

TEST_P(ApiTest, ProjectsAreCreatedReadAndUpdatedWithoutShowingTheSecretAgain) {
  const Reply created = call("POST", "/api/v1/projects", json{{"owner", "acme"}, {"name", "web"},
                                                             {"url", "https://github.com/acme/web.git"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json project = json::parse(created.body);
  const std::string id = project["id"];
  EXPECT_EQ(project["owner"]["name"], "acme");
  EXPECT_EQ(project["webhook_secret"].get<std::string>().size(), 64u);

  const json fetched = json::parse(call("GET", "/api/v1/projects/" + id).body);
  EXPECT_FALSE(fetched.contains("webhook_secret"));
  EXPECT_EQ(fetched["name"], "web");
  EXPECT_EQ(fetched["owner"]["id"], project["owner"]["id"]);

  const Reply updated = call("PUT", "/api/v1/projects/" + id, json{{"name", "site"}});
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(json::parse(updated.body)["name"], "site");
  EXPECT_EQ(json::parse(updated.body)["url"], "https://github.com/acme/web.git");
  EXPECT_FALSE(json::parse(updated.body).contains("webhook_secret"));
}

TEST_P(ApiTest, SupersedingSettingsDefaultToPullRequestsAndRoundTrip) {
  const Reply created = call("POST", "/api/v1/projects", json{{"owner", "acme"}, {"name", "web"},
                                                             {"url", "https://github.com/acme/web.git"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json project = json::parse(created.body);
  EXPECT_EQ(project["cancel_superseded_pushes"], false);
  EXPECT_EQ(project["cancel_superseded_pull_requests"], true);
  const std::string path = "/api/v1/projects/" + project["id"].get<std::string>();

  const Reply updated = call("PUT", path, json{{"cancel_superseded_pushes", true}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json::parse(updated.body)["cancel_superseded_pushes"], true);
  ASSERT_EQ(call("PUT", path, json{{"cancel_superseded_pull_requests", false}}).status, 200);
  const json fetched = json::parse(call("GET", path).body);
  EXPECT_EQ(fetched["cancel_superseded_pushes"], true);
  EXPECT_EQ(fetched["cancel_superseded_pull_requests"], false);

  const Reply chosen = call("POST", "/api/v1/projects",
                            json{{"owner", "acme"}, {"name", "api"}, {"url", "https://github.com/acme/api.git"},
                                 {"cancel_superseded_pushes", true}, {"cancel_superseded_pull_requests", false}});
  ASSERT_EQ(chosen.status, 201) << chosen.body;
  EXPECT_EQ(json::parse(chosen.body)["cancel_superseded_pushes"], true);
  EXPECT_EQ(json::parse(chosen.body)["cancel_superseded_pull_requests"], false);
}

TEST_P(ApiTest, ProjectListsPageThroughEverythingOnce) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const std::string name = "p" + std::to_string(i);
    ids.push_back(create(i < 3 ? "acme" : "other", name, "https://example.com/" + name + ".git")["id"]);
  }
  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  do {
    const Reply reply = call("GET", "/api/v1/projects?limit=2" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json page = json::parse(reply.body);
    EXPECT_LE(page["items"].size(), 2u);
    for (const auto& project : page["items"]) seen.push_back(project["id"]);
    after = page["next"].is_null() ? "" : page["next"].get<std::string>();
    ++pages;
  } while (!after.empty() && pages < 10);
  EXPECT_EQ(seen, ids);  // creation order, no repeats, nothing missing
  EXPECT_EQ(pages, 3);

  const std::string other = store_->find_owner("other")->id;
  const json owned = json::parse(call("GET", "/api/v1/projects?owner_id=" + other).body);
  ASSERT_EQ(owned["items"].size(), 2u);
  EXPECT_EQ(owned["items"][0]["id"], ids[3]);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
