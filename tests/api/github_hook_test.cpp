// Projects and their GitHub webhooks, over real HTTP on a SQLite store, with
// the stand-in GitHub on loopback: the hook is made with the project (or the
// project is not made), can be declined, and goes with the project.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../http/test_support.h"
#include "api/api.h"
#include "github/github.h"
#include "github_standin.h"
#include "temp_dir.h"

namespace {

using githubtest::GitHubStandin;
using http::testing::Reply;
using nlohmann::json;

class GitHubHookTest : public ::testing::Test {
 protected:
  GitHubHookTest() {
    standin_.add_repository("acme/rocket");
    standin_.accept_personal_token("ghp_test");
    store_ = std::move(store::open("sqlite:" + (dir_.path() / "factory.db").string()).value());
    token_ = store_->create_token("tests")->secret;
  }

  void serve(const std::string& public_url) {
    http::Router router;
    api::ApiOptions options;
    options.github = &github_;
    options.public_url = public_url;
    options.warn = [this](const std::string& message) { warnings_.push_back(message); };
    api::add_routes(router, *store_, options);
    server_ = http::testing::start_server(std::move(router));
    client_ = std::make_unique<http::testing::Client>(server_->port());
  }

  Reply call(const std::string& method, const std::string& target, const json& body = nullptr) {
    return client_->request(method, target, body.is_null() ? "" : body.dump(),
                            {"Authorization: Bearer " + token_, "Content-Type: application/json"});
  }
  Reply create(const std::string& name, json extra = json::object()) {
    extra.update({{"owner", "acme"}, {"name", name}, {"url", "https://github.com/acme/" + name + ".git"}});
    return call("POST", "/api/v1/projects", extra);
  }
  std::size_t project_count() { return store_->list_projects({})->items.size(); }

  testpaths::TempDir dir_{"github-hooks"};
  GitHubStandin standin_;
  github::GitHub github_{{.rest = {.api_url = standin_.url(), .attempts = 1}, .token = "ghp_test"}};
  std::unique_ptr<store::Store> store_;
  std::string token_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::testing::Client> client_;
  std::vector<std::string> warnings_;
};

TEST_F(GitHubHookTest, AProjectGetsAHookOnItsRepository) {
  serve("https://ci.example");
  const Reply reply = create("rocket", {{"webhook_secret", "hook-secret"}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  const json project = json::parse(reply.body);
  const auto hooks = standin_.hooks();
  ASSERT_EQ(hooks.size(), 1u);
  const auto& [id, hook] = *hooks.begin();
  EXPECT_EQ(project["github_hook_id"], id);
  EXPECT_EQ(hook["config"]["url"], "https://ci.example/hooks/github");
  EXPECT_EQ(hook["config"]["secret"], "hook-secret");
  EXPECT_EQ(store_->get_project(project["id"].get<std::string>())->github_hook_id, id);

  ASSERT_EQ(call("DELETE", "/api/v1/projects/" + project["id"].get<std::string>()).status, 204);
  EXPECT_TRUE(standin_.hooks().empty());
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(GitHubHookTest, ANewSecretGoesToTheHook) {
  serve("https://ci.example");
  const json project = json::parse(create("rocket", {{"webhook_secret", "old-secret"}}).body);
  const std::string path = "/api/v1/projects/" + project["id"].get<std::string>();
  ASSERT_EQ(call("PUT", path, {{"webhook_secret", "new-secret"}}).status, 200);
  EXPECT_EQ(standin_.hooks().begin()->second["config"]["secret"], "new-secret");
  EXPECT_EQ(store_->get_project(project["id"].get<std::string>())->webhook_secret, "new-secret");

  standin_.fail_next(1, 500);  // GitHub down: the project keeps what it had
  const Reply refused = call("PUT", path, {{"webhook_secret", "newer-secret"}, {"cancel_superseded_pushes", true}});
  EXPECT_EQ(refused.status, 502) << refused.body;
  const store::Project kept = *store_->get_project(project["id"].get<std::string>());
  EXPECT_EQ(kept.webhook_secret, "new-secret");
  EXPECT_FALSE(kept.cancel_superseded_pushes);
  EXPECT_EQ(standin_.hooks().begin()->second["config"]["secret"], "new-secret");
}

TEST_F(GitHubHookTest, AHookCanBeDeclined) {
  serve("https://ci.example");
  const Reply reply = create("rocket", {{"create_webhook", false}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_FALSE(json::parse(reply.body).contains("github_hook_id"));
  EXPECT_TRUE(standin_.calls().empty());
}

TEST_F(GitHubHookTest, AHookGitHubRefusesLeavesNoProject) {
  serve("https://ci.example");
  const Reply reply = create("elsewhere");  // the stand-in does not know acme/elsewhere: 404
  EXPECT_EQ(reply.status, 502) << reply.body;
  const std::string message = json::parse(reply.body)["error"]["message"];
  EXPECT_NE(message.find("acme/elsewhere"), std::string::npos) << message;
  EXPECT_NE(message.find("\"create_webhook\": false"), std::string::npos) << message;
  EXPECT_EQ(project_count(), 0u);
}

TEST_F(GitHubHookTest, WithoutAPublicUrlThereIsNoHookToMake) {
  serve("");
  const Reply reply = create("rocket");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_NE(reply.body.find("--public-url"), std::string::npos) << reply.body;
  EXPECT_EQ(project_count(), 0u);
  EXPECT_EQ(create("rocket", {{"create_webhook", false}}).status, 201);
}

TEST_F(GitHubHookTest, AHookAlreadyGoneDoesNotStopTheProjectsDeletion) {
  serve("https://ci.example");
  const json project = json::parse(create("rocket").body);
  const auto hooks = standin_.hooks();
  ASSERT_EQ(hooks.size(), 1u);
  ASSERT_EQ(github_.delete_hook({"acme", "rocket"}, hooks.begin()->first).status, 204);  // deleted on GitHub
  EXPECT_EQ(call("DELETE", "/api/v1/projects/" + project["id"].get<std::string>()).status, 204);
  EXPECT_EQ(project_count(), 0u);
  EXPECT_TRUE(warnings_.empty());
}

}  // namespace
