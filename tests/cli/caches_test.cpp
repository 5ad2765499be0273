// Caches and artifacts through a real server and its local agents
// (docs/agents.md, "Caches and artifacts"): a workflow saves a cache and keeps
// artifacts, a later stage receives them, the next workflow restores the
// cache, the API lists and serves what was kept, and a pull request reads the
// branch's entries without writing into its scope.
#include <algorithm>
#include <set>

#include "cli/ci_server.h"
#include "cli/npm_cache_pipeline.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::json;

const std::string kConfiguration = clitest::npm_cache_pipeline(R"HCL(  stage "deploy" {
    exec "ship" {
      run             = "cat dist/app.js"
      needs_artifacts = ["deps"]
    }
  }
)HCL");

class Caches : public CiServer {
 protected:
  json execution(const json& workflow, std::size_t stage) {
    return clitest::pipeline(workflow, "ci")["stages"][stage]["executions"][0];
  }
  json caches() { return get("/api/v1/projects/" + project_id() + "/caches"); }
};

TEST_F(Caches, AWorkflowSavesAndKeepsAndTheNextRestores) {
  write_file(".factory/ci.hcl", kConfiguration);
  write_file("package-lock.json", "{\"lockfileVersion\": 3}\n");
  const std::string sha = create_repository();
  start();

  const json first = wait_for_end(push_hook("refs/heads/main", sha), std::chrono::seconds(60));
  ASSERT_EQ(first["status"], "success") << first.dump(1) << process_logs();
  const std::string built = log(execution(first, 0));
  EXPECT_TRUE(contains(built, "cache npm: miss\n")) << built;
  EXPECT_TRUE(contains(built, "cache npm: miss, saved npm-")) << built;
  EXPECT_TRUE(contains(built, "artifacts: kept 1 file (7 B): dist/app.js\n")) << built;
  // Handed on by the stage too, dist/app.js is received as the artifact as well.
  EXPECT_TRUE(contains(log(execution(first, 1)), "artifacts of build/deps: 1 file (7 B)\n"));

  const json entries = caches();
  ASSERT_EQ(entries["items"].size(), 1u) << entries.dump(1);
  EXPECT_EQ(entries["items"][0]["name"], "npm");
  EXPECT_EQ(entries["items"][0]["scope"], "main");

  const std::string workflow_id = first["id"];
  const json artifacts = get("/api/v1/workflows/" + workflow_id + "/artifacts");
  ASSERT_EQ(artifacts["items"].size(), 1u) << artifacts.dump(1);
  EXPECT_EQ(artifacts["items"][0]["path"], "dist/app.js");
  EXPECT_EQ(artifacts["items"][0]["size"], 7);
  const std::string artifact_id = artifacts["items"][0]["id"];
  auto whole = api("GET", "/api/v1/workflows/" + workflow_id + "/artifacts/" + artifact_id);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, "bundle\n");

  const json second = wait_for_end(push_hook("refs/heads/main", sha), std::chrono::seconds(60));
  ASSERT_EQ(second["status"], "success") << second.dump(1);
  const std::string rebuilt = log(execution(second, 0));
  EXPECT_TRUE(contains(rebuilt, "cache npm: hit npm-")) << rebuilt;
  EXPECT_TRUE(contains(rebuilt, "reused\nfetched\n")) << "node_modules and ~/.npm came back: " << rebuilt;
  EXPECT_EQ(caches()["items"].size(), 1u);
}

TEST_F(Caches, APullRequestReadsTheBranchsEntriesAndWritesOnlyItsOwn) {
  write_file(".factory/ci.hcl", kConfiguration);
  write_file("package-lock.json", "{\"lockfileVersion\": 3}\n");
  const std::string sha = create_repository();
  start();
  ASSERT_EQ(wait_for_end(push_hook("refs/heads/main", sha), std::chrono::seconds(60))["status"], "success");

  git("checkout -q -b feature");
  write_file("README", "a feature\n");
  const std::string same_lock = commit("no change to the lock file");
  push("feature");
  const json reading = wait_for_end(pull_request_hook("feature", same_lock, "main"), std::chrono::seconds(60));
  ASSERT_EQ(reading["status"], "success") << reading.dump(1);
  EXPECT_TRUE(contains(log(execution(reading, 0)), "cache npm: hit npm-")) << log(execution(reading, 0));

  write_file("package-lock.json", "{\"lockfileVersion\": 3, \"new\": true}\n");
  const std::string new_lock = commit("a new dependency");
  push("feature");
  const json writing = wait_for_end(pull_request_hook("feature", new_lock, "main", clitest::kRepository,
                                                      "synchronize"),
                                    std::chrono::seconds(60));
  ASSERT_EQ(writing["status"], "success") << writing.dump(1);
  EXPECT_TRUE(contains(log(execution(writing, 0)), "cache npm: miss, saved npm-")) << log(execution(writing, 0));

  std::set<std::string> scopes;
  const json entries = caches();
  for (const json& entry : entries["items"]) scopes.insert(entry["scope"].get<std::string>());
  EXPECT_EQ(scopes.size(), 2u);
  EXPECT_TRUE(scopes.contains("main"));
  EXPECT_FALSE(std::any_of(scopes.begin(), scopes.end(), [](const std::string& scope) {
    return scope != "main" && !scope.starts_with("pr:");
  })) << "the pull request wrote only into a scope of its own";
}

TEST_F(Caches, ARerunOfTheDeployReceivesTheArtifactsOfTheBuildItKeeps) {
  write_file(".factory/ci.hcl", kConfiguration);
  write_file("package-lock.json", "{\"lockfileVersion\": 3}\n");
  const std::string sha = create_repository();
  start();
  const json first = wait_for_end(push_hook("refs/heads/main", sha), std::chrono::seconds(60));
  ASSERT_EQ(first["status"], "success") << first.dump(1);

  const auto reply = api("POST", "/api/v1/workflows/" + first["id"].get<std::string>() + "/rerun",
                         {{"execution", execution(first, 1)["id"]}});
  ASSERT_EQ(reply.status, 202) << reply.body;
  const json again = wait_for_end(json::parse(reply.body)["id"], std::chrono::seconds(60));
  ASSERT_EQ(again["status"], "success") << again.dump(1);
  EXPECT_EQ(execution(again, 0)["status_reason"], "kept from workflow " + first["id"].get<std::string>());
  const std::string shipped = log(execution(again, 1));
  EXPECT_TRUE(contains(shipped, "artifacts of build/deps: 1 file (7 B)\nbundle\n")) << shipped;

  const json artifacts = get("/api/v1/workflows/" + again["id"].get<std::string>() + "/artifacts");
  ASSERT_EQ(artifacts["items"].size(), 1u) << "the kept build's artifact is the rerun's too: " << artifacts.dump(1);
  EXPECT_EQ(artifacts["items"][0]["path"], "dist/app.js");
  EXPECT_EQ(artifacts["items"][0]["execution_id"], execution(again, 0)["id"]);
}

}  // namespace
