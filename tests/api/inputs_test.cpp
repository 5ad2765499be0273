// Manual runs with inputs over real HTTP: the inputs a branch's .factory/
// declares, read with git from a real repository (file://), and a trigger's
// inputs checked against them.
#include <cstdlib>
#include <fstream>

#include "api_fixture.h"
#include "temp_dir.h"

namespace api::testing {
namespace {

namespace fs = std::filesystem;

const char* const kInputs = R"(
input "environment" {
  type        = string
  options     = ["staging", "production"]
  default     = "staging"
  description = "Where it goes"
}
input "replicas" {
  type    = number
  default = 2
}
input "dry_run" {
  type = bool
}
pipeline "deploy" {
  stage "s" {
    exec "e" { run = "deploy ${input.environment}" }
  }
}
)";

class InputsApiTest : public ApiTest {
 protected:
  void configure(ApiOptions& options) override { options.scratch_dir = scratch_; }

  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    fs::create_directories(source_);
    git("init -q -b main");
    commit(kInputs);
    auto project = store_->create_project({"acme", "rocket", "file://" + source_.string(), "secret"});
    ASSERT_TRUE(project) << project.error().message;
    project_id_ = project->id;
  }

  void git(const std::string& args) {
    const std::string command = "git -C " + source_.string() + " -c user.email=ci@example.com -c user.name=ci " + args;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  // Commits `text` as .factory/ci.hcl on the current branch; its sha.
  std::string commit(const std::string& text) {
    fs::create_directories(source_ / ".factory");
    std::ofstream(source_ / ".factory" / "ci.hcl") << text;
    git("add -A");
    git("commit -qm change");
    const std::string file = (dir_.path() / "head").string();
    git("rev-parse HEAD > " + file);
    std::string sha;
    std::ifstream(file) >> sha;
    return sha;
  }

  Reply trigger(const json& body) { return call("POST", "/api/v1/projects/" + project_id_ + "/trigger", body); }

  json error_of(const Reply& reply) { return json::parse(reply.body)["error"]; }

  testpaths::TempDir dir_{"factory-inputs-api"};
  fs::path source_ = dir_.path() / "source";
  fs::path scratch_ = dir_.path() / "scratch";
  std::string project_id_;
};

TEST_P(InputsApiTest, TheFormsInputsComeFromTheBranchHead) {
  const Reply reply = call("GET", "/api/v1/projects/" + project_id_ + "/inputs?branch=main");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["branch"], "main");
  EXPECT_EQ(body["sha"].get<std::string>().size(), 40u);
  const json expected = json::parse(R"([
    {"name": "environment", "type": "string", "options": ["staging", "production"], "default": "staging",
     "required": false, "description": "Where it goes"},
    {"name": "replicas", "type": "number", "options": [], "default": 2, "required": false, "description": ""},
    {"name": "dry_run", "type": "bool", "options": [], "default": null, "required": true, "description": ""}])");
  EXPECT_EQ(body["inputs"], expected);
  EXPECT_TRUE(fs::is_empty(scratch_));

  EXPECT_EQ(error_code(call("GET", "/api/v1/projects/" + project_id_ + "/inputs")), "invalid");
  EXPECT_EQ(error_code(call("GET", "/api/v1/projects/" + project_id_ + "/inputs?branch=a..b")), "invalid");
}

TEST_P(InputsApiTest, ATriggerWithInputsRunsTheCommitThatWasChecked) {
  const std::string head = commit(std::string(kInputs) + "# another commit\n");
  const Reply reply = trigger({{"branch", "main"}, {"inputs", {{"environment", "production"}, {"dry_run", true}}}});
  ASSERT_EQ(reply.status, 202) << reply.body;
  const json answer = json::parse(reply.body);
  EXPECT_EQ(answer["event"]["sha"], head);
  const json expected_inputs{{"environment", "production"}, {"replicas", "2"}, {"dry_run", "true"}};
  EXPECT_EQ(answer["event"]["inputs"], expected_inputs);

  const auto workflow = store_->get_workflow(answer["id"].get<std::string>());
  ASSERT_TRUE(workflow);
  EXPECT_EQ(workflow->event.name, "manual");
  const std::map<std::string, std::string> stored{
      {"environment", "production"}, {"replicas", "2"}, {"dry_run", "true"}};
  EXPECT_EQ(workflow->event.inputs, stored);
  const Reply view = call("GET", "/api/v1/workflows/" + workflow->id);
  EXPECT_EQ(json::parse(view.body)["event"]["inputs"], expected_inputs);
  const Reply list = call("GET", "/api/v1/projects/" + project_id_ + "/workflows");
  EXPECT_EQ(json::parse(list.body)["items"][0]["event"]["inputs"], expected_inputs);
  EXPECT_EQ(workflows_queued_, 1);

  // Numbers may come as JSON numbers or as text; a given sha is kept.
  const Reply again = trigger({{"branch", "main"},
                               {"sha", std::string(40, 'a')},
                               {"inputs", {{"replicas", 3.0}, {"dry_run", "false"}}}});
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(json::parse(again.body)["event"]["sha"], std::string(40, 'a'));
  EXPECT_EQ(json::parse(again.body)["event"]["inputs"]["replicas"], "3");
}

TEST_P(InputsApiTest, WrongInputsAreRefusedNamingEachAndNothingIsQueued) {
  const Reply reply = trigger({{"branch", "main"}, {"inputs", {{"environment", "prod"}, {"replicas", "many"},
                                                                {"colour", "red"}}}});
  ASSERT_EQ(reply.status, 400) << reply.body;
  const json error = error_of(reply);
  EXPECT_EQ(error["code"], "invalid");
  EXPECT_EQ(error["inputs"]["environment"], R"(input "environment": "prod" is not one of "staging", "production")");
  EXPECT_EQ(error["inputs"]["replicas"], R"(input "replicas": "many" is not a number)");
  EXPECT_EQ(error["inputs"]["dry_run"], R"(input "dry_run" is required: it has no default)");
  EXPECT_NE(error["inputs"]["colour"].get<std::string>().find(R"(input "colour" is not declared in .factory/)"),
            std::string::npos);
  EXPECT_NE(error["message"].get<std::string>().find(R"(input "environment": "prod" is not one of)"),
            std::string::npos);

  EXPECT_EQ(error_of(trigger({{"branch", "main"}, {"inputs", {{"dry_run", "yes"}}}}))["inputs"]["dry_run"],
            R"(input "dry_run": "yes" is not true or false)");
  EXPECT_EQ(error_code(trigger({{"branch", "main"}, {"inputs", json::array()}})), "invalid");
  EXPECT_EQ(error_code(trigger({{"branch", "main"}, {"inputs", {{"dry_run", json::array()}}}})), "invalid");
  EXPECT_EQ(error_code(trigger({{"branch", "main"}, {"input", json::object()}})), "invalid");
  EXPECT_EQ(workflow_count(project_id_), 0u);
  EXPECT_EQ(workflows_queued_, 0);
}

TEST_P(InputsApiTest, ABranchGitCannotReadOrWithBrokenConfigurationSaysSo) {
  const Reply missing = trigger({{"branch", "no-such-branch"}, {"inputs", json::object()}});
  EXPECT_EQ(missing.status, 502) << missing.body;
  EXPECT_EQ(error_code(missing), "git");
  EXPECT_NE(error_of(missing)["message"].get<std::string>().find("no-such-branch"), std::string::npos) << missing.body;

  commit("input \"a\" {\n  type = strin\n}\n");
  const Reply broken = call("GET", "/api/v1/projects/" + project_id_ + "/inputs?branch=main");
  EXPECT_EQ(broken.status, 422) << broken.body;
  EXPECT_EQ(error_code(broken), "configuration");
  EXPECT_NE(error_of(broken)["message"].get<std::string>().find(".factory/ci.hcl:2:10: error: Unknown input type"),
            std::string::npos)
      << broken.body;
  EXPECT_EQ(workflow_count(project_id_), 0u);
  EXPECT_TRUE(fs::is_empty(scratch_));
}

TEST_P(InputsApiTest, ATriggerWithoutInputsReadsNoBranch) {
  const auto project = store_->create_project({"acme", "elsewhere", "file:///nonexistent/repository.git", "s"});
  ASSERT_TRUE(project);
  const Reply reply = call("POST", "/api/v1/projects/" + project->id + "/trigger", json{{"branch", "main"}});
  EXPECT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["event"]["inputs"], json::object());
}

INSTANTIATE_TEST_SUITE_P(Backends, InputsApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
