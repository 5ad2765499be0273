// The workflow routes over real HTTP: a project's list, a workflow's tree,
// execution logs, reruns and manual triggers.
#include "api_fixture.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUnknownId = "01890000-0000-7000-8000-000000000000";
constexpr const char* kSha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

core::Event push_to_main() {
  core::Event event;
  event.name = "push";
  event.branch = "main";
  event.sha = kSha;
  event.changed_paths = {"README.md"};
  return event;
}

core::Plan lint_and_build() {
  core::Plan plan;
  plan.pipelines.push_back({.name = "lint", .stages = {{"check", {{.name = "clang-tidy"}}}}});
  plan.pipelines.push_back(
      {.name = "build", .depends_on = {"lint"}, .stages = {{"compile", {{.name = "gcc"}, {.name = "clang"}}}}});
  plan.skipped.push_back({"deploy", "branch \"main\" does not match branches"});
  return plan;
}

class WorkflowApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    project_id_ = create("acme", "rocket", "https://github.com/acme/rocket")["id"];
  }

  // Store failures throw, which fails the test before it reads what is not there.
  template <class T>
  static T checked(store::Result<T> result) {
    if (!result) throw std::runtime_error(result.error().message);
    return std::move(result).value();
  }

  std::string enqueue(const std::string& delivery) {
    return checked(store_->enqueue_workflow(project_id_, delivery, push_to_main())).id;
  }

  // A running workflow with lint_and_build() recorded: its tree.
  store::WorkflowTree planned() {
    const std::string id = enqueue("delivery-1");
    if (!checked(store_->claim_next_workflow("agent-a", 30s))) throw std::runtime_error("nothing to claim");
    return checked(store_->record_plan(id, lint_and_build()));
  }

  json get(const std::string& target, long status = 200) {
    const Reply reply = call("GET", target);
    EXPECT_EQ(reply.status, status) << target << ": " << reply.body;
    return json::parse(reply.body);
  }

  std::string project_id_;
};

TEST_P(WorkflowApiTest, AProjectsWorkflowsListNewestFirstInPages) {
  const std::string first = enqueue("d1"), second = enqueue("d2"), third = enqueue("d3");
  const json page = get("/api/v1/projects/" + project_id_ + "/workflows?limit=2");
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], third);
  EXPECT_EQ(page["items"][1]["id"], second);
  EXPECT_EQ(page["next"], second);
  const json item = page["items"][0];
  EXPECT_EQ(item["project_id"], project_id_);
  EXPECT_EQ(item["delivery_id"], "d3");
  EXPECT_EQ(item["event"]["name"], "push");
  EXPECT_EQ(item["event"]["branch"], "main");
  EXPECT_EQ(item["status"], "queued");
  EXPECT_EQ(item["status_reason"], "");
  EXPECT_EQ(item["attempt"], 1);
  EXPECT_TRUE(item["created_at"].is_string());
  EXPECT_TRUE(item["started_at"].is_null());
  EXPECT_TRUE(item["finished_at"].is_null());
  EXPECT_FALSE(item.contains("pipelines"));

  const json last = get("/api/v1/projects/" + project_id_ + "/workflows?limit=2&after=" + second);
  ASSERT_EQ(last["items"].size(), 1u);
  EXPECT_EQ(last["items"][0]["id"], first);
  EXPECT_TRUE(last["next"].is_null());

  EXPECT_EQ(error_code(call("GET", std::string{"/api/v1/projects/"} + kUnknownId + "/workflows")), "not_found");
  EXPECT_EQ(error_code(call("GET", "/api/v1/projects/" + project_id_ + "/workflows?limit=x")), "invalid");
  EXPECT_EQ(error_code(call("GET", "/api/v1/projects/" + project_id_ + "/workflows?limit=0")), "invalid");
}

TEST_P(WorkflowApiTest, AProjectListShowsEachProjectsNewestWorkflow) {
  const std::string quiet = create("acme", "quiet", "https://github.com/acme/quiet")["id"];
  enqueue("d1");
  const std::string newest = enqueue("d2");
  ASSERT_TRUE(store_->finish_workflow(newest, core::Status::Cancelled, "cancelled before it started"));

  const json projects = get("/api/v1/projects")["items"];
  ASSERT_EQ(projects.size(), 2u);
  EXPECT_EQ(projects[0]["id"], project_id_);
  const json& last = projects[0]["last_workflow"];
  EXPECT_EQ(last["id"], newest);
  EXPECT_EQ(last["status"], "cancelled");
  EXPECT_EQ(last["event"]["branch"], "main");
  EXPECT_TRUE(last["finished_at"].is_string());
  EXPECT_EQ(projects[1]["id"], quiet);
  EXPECT_TRUE(projects[1]["last_workflow"].is_null());
  // One project's view stays as it was.
  EXPECT_FALSE(get("/api/v1/projects/" + project_id_).contains("last_workflow"));
}

// A push of 200,000 paths: lists, polled every second by the web UI, stay
// as small as with one path; the workflow's own view has them all.
TEST_P(WorkflowApiTest, ListsCarryNoChangedPaths) {
  core::Event event = push_to_main();
  event.changed_paths.clear();
  for (int i = 0; i < 200000; ++i) event.changed_paths.push_back("src/module" + std::to_string(i % 100) + "/file" +
                                                                  std::to_string(i) + ".cpp");
  const std::string small = enqueue("small");
  const std::size_t projects_before = call("GET", "/api/v1/projects").body.size();
  const std::size_t workflows_before = call("GET", "/api/v1/projects/" + project_id_ + "/workflows").body.size();
  const std::string large = checked(store_->enqueue_workflow(project_id_, "large", event)).id;

  const Reply projects = call("GET", "/api/v1/projects");
  const Reply workflows = call("GET", "/api/v1/projects/" + project_id_ + "/workflows");
  EXPECT_LE(projects.body.size(), projects_before + 100);  // another id and delivery only
  EXPECT_LE(workflows.body.size(), 2 * workflows_before + 100);
  EXPECT_EQ(json::parse(projects.body)["items"][0]["last_workflow"]["id"], large);
  for (const json& item : json::parse(workflows.body)["items"]) {
    EXPECT_FALSE(item["event"].contains("changed_paths")) << item["id"];
    EXPECT_EQ(item["event"]["branch"], "main");
  }
  EXPECT_EQ(get("/api/v1/workflows/" + large)["event"]["changed_paths"].size(), 200000u);
  EXPECT_EQ(get("/api/v1/workflows/" + small)["event"]["changed_paths"], json::array({"README.md"}));
}

// No answer may be shown inside another site's frame (clickjacking).
TEST_P(WorkflowApiTest, AnswersForbidFraming) {
  enqueue("d1");
  for (const std::string& target : {std::string{"/api/v1/projects"}, "/api/v1/projects/" + project_id_ + "/workflows",
                                   std::string{"/api/v1/workflows/"} + kUnknownId, std::string{"/api/v1/nothing"}}) {
    const Reply reply = call("GET", target);
    EXPECT_EQ(reply.headers.at("content-security-policy"), "frame-ancestors 'none'") << target;
    EXPECT_EQ(reply.headers.at("x-frame-options"), "DENY") << target;
  }
}

TEST_P(WorkflowApiTest, AWorkflowComesWithItsTree) {
  const store::WorkflowTree tree = planned();
  const store::Execution& gcc = tree.pipelines[1].stages[0].executions[0];
  ASSERT_TRUE(store_->set_execution_status(gcc.id, {core::Status::Running}));
  ASSERT_TRUE(store_->set_execution_status(gcc.id, {core::Status::Failure, "exit code 2", 2}));

  const json workflow = get("/api/v1/workflows/" + tree.workflow.id);
  EXPECT_EQ(workflow["id"], tree.workflow.id);
  EXPECT_EQ(workflow["project_id"], project_id_);
  EXPECT_EQ(workflow["delivery_id"], "delivery-1");
  EXPECT_EQ(workflow["event"]["sha"], kSha);
  EXPECT_EQ(workflow["event"]["changed_paths"], json::array({"README.md"}));
  EXPECT_EQ(workflow["status"], "running");
  EXPECT_TRUE(workflow["started_at"].is_string());
  EXPECT_TRUE(workflow["finished_at"].is_null());

  const json& pipelines = workflow["pipelines"];
  ASSERT_EQ(pipelines.size(), 3u);
  EXPECT_EQ(pipelines[0]["name"], "lint");
  EXPECT_EQ(pipelines[0]["depends_on"], json::array());
  EXPECT_EQ(pipelines[1]["depends_on"], json::array({"lint"}));
  EXPECT_EQ(pipelines[0]["stages"][0]["name"], "check");
  EXPECT_EQ(pipelines[0]["stages"][0]["executions"][0]["name"], "clang-tidy");
  const json& compile = pipelines[1]["stages"][0];
  EXPECT_EQ(compile["id"], tree.pipelines[1].stages[0].id);
  EXPECT_EQ(compile["status"], "queued");
  ASSERT_EQ(compile["executions"].size(), 2u);
  const json& failed = compile["executions"][0];
  EXPECT_EQ(failed["id"], gcc.id);
  EXPECT_EQ(failed["name"], "gcc");
  EXPECT_EQ(failed["status"], "failure");
  EXPECT_EQ(failed["status_reason"], "exit code 2");
  EXPECT_EQ(failed["exit_code"], 2);
  EXPECT_TRUE(failed["started_at"].is_string() && failed["finished_at"].is_string());
  EXPECT_TRUE(compile["executions"][1]["exit_code"].is_null());
  EXPECT_TRUE(compile["executions"][1]["started_at"].is_null());
  EXPECT_EQ(pipelines[2]["name"], "deploy");
  EXPECT_EQ(pipelines[2]["status"], "skipped");
  EXPECT_EQ(pipelines[2]["status_reason"], "branch \"main\" does not match branches");
  EXPECT_EQ(pipelines[2]["stages"], json::array());

  EXPECT_EQ(get("/api/v1/workflows/" + enqueue("d2"))["pipelines"], json::array());
  EXPECT_EQ(error_code(call("GET", std::string{"/api/v1/workflows/"} + kUnknownId)), "not_found");
  EXPECT_EQ(error_code(call("GET", "/api/v1/workflows/not-an-id")), "invalid");
}

TEST_P(WorkflowApiTest, ALogIsReadInPagesFromASequenceNumber) {
  const std::string execution = planned().pipelines[0].stages[0].executions[0].id;
  const store::Timestamp at{1'790'000'000'123ms};
  std::vector<store::LogLine> lines;
  for (int seq = 1; seq <= 5; ++seq) lines.push_back({seq, store::LogStream::Stdout, at, "line " + std::to_string(seq)});
  lines[2].stream = store::LogStream::Stderr;
  ASSERT_TRUE(store_->append_log(execution, lines));

  const std::string log = "/api/v1/executions/" + execution + "/log";
  const json first = get(log + "?limit=2");
  ASSERT_EQ(first["lines"].size(), 2u);
  EXPECT_EQ(first["lines"][0], (json{{"seq", 1}, {"stream", "stdout"}, {"at", "2026-09-21T14:13:20.123Z"},
                                     {"text", "line 1"}}));
  EXPECT_EQ(first["next"], 2);
  const json second = get(log + "?limit=2&after=2");
  EXPECT_EQ(second["lines"][0]["seq"], 3);
  EXPECT_EQ(second["lines"][0]["stream"], "stderr");
  EXPECT_EQ(second["next"], 4);
  const json last = get(log + "?limit=2&after=4");
  ASSERT_EQ(last["lines"].size(), 1u);
  EXPECT_EQ(last["lines"][0]["text"], "line 5");
  EXPECT_TRUE(last["next"].is_null());
  EXPECT_EQ(get(log)["lines"].size(), 5u);
  EXPECT_EQ(get(log + "?after=5")["lines"], json::array());

  EXPECT_EQ(error_code(call("GET", log + "?after=two")), "invalid");
  EXPECT_EQ(error_code(call("GET", log + "?limit=1001")), "invalid");
  EXPECT_EQ(error_code(call("GET", log + "?format=html")), "invalid");
  EXPECT_EQ(error_code(call("GET", std::string{"/api/v1/executions/"} + kUnknownId + "/log")), "not_found");
  EXPECT_EQ(error_code(call("GET", std::string{"/api/v1/executions/"} + kUnknownId + "/log?format=text")),
            "not_found");
}

TEST_P(WorkflowApiTest, AWholeLogDownloadsAsText) {
  const store::WorkflowTree tree = planned();
  const std::string execution = tree.pipelines[1].stages[0].executions[1].id;
  std::vector<store::LogLine> lines;
  std::string expected;
  for (int seq = 1; seq <= 2500; ++seq) {  // more than one page of the store's
    lines.push_back({seq, store::LogStream::Stdout, store::Timestamp{}, "line " + std::to_string(seq)});
    expected += "line " + std::to_string(seq) + "\n";
  }
  ASSERT_TRUE(store_->append_log(execution, lines));

  const Reply reply = call("GET", "/api/v1/executions/" + execution + "/log?format=text");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, expected);
  EXPECT_EQ(reply.headers.at("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reply.headers.at("content-disposition"), "attachment; filename=\"" + execution + ".log\"");

  const std::string silent = tree.pipelines[0].stages[0].executions[0].id;
  EXPECT_EQ(call("GET", "/api/v1/executions/" + silent + "/log?format=text").body, "");
}

// Routes that take no fields refuse them: a rerun given {"pipelines": [...]}
// must not re-run everything as if it had been heard.
TEST_P(WorkflowApiTest, RoutesWithoutFieldsRefuseThem) {
  const std::string original = enqueue("delivery-1");
  for (const std::string route : {"rerun", "approve"}) {
    SCOPED_TRACE(route);
    const Reply reply = call("POST", "/api/v1/workflows/" + original + "/" + route,
                             std::string{R"({"pipelines": ["build"]})"});
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_NE(reply.body.find("unknown field 'pipelines'"), std::string::npos) << reply.body;
  }
  EXPECT_EQ(workflow_count(project_id_), 1u);
  EXPECT_EQ(call("POST", "/api/v1/workflows/" + original + "/rerun", std::string{"{}"}).status, 202);
  EXPECT_EQ(workflow_count(project_id_), 2u);
}

TEST_P(WorkflowApiTest, ARerunQueuesTheSameEventAgain) {
  const std::string original = enqueue("delivery-1");
  const Reply reply = call("POST", "/api/v1/workflows/" + original + "/rerun");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["outcome"], "queued");
  const std::string id = body["id"];
  EXPECT_NE(id, original);
  EXPECT_EQ(reply.headers.at("location"), "/api/v1/workflows/" + id);
  const auto rerun = store_->get_workflow(id);
  ASSERT_TRUE(rerun);
  EXPECT_EQ(rerun->project_id, project_id_);
  EXPECT_EQ(rerun->delivery_id, id);  // a delivery of its own
  EXPECT_EQ(rerun->event.sha, kSha);
  EXPECT_EQ(rerun->event.changed_paths, std::vector<std::string>{"README.md"});
  EXPECT_EQ(workflow_count(project_id_), 2u);
  EXPECT_EQ(workflows_queued_, 1);

  EXPECT_EQ(call("POST", "/api/v1/workflows/" + original + "/rerun").status, 202);  // every rerun is new
  EXPECT_EQ(error_code(call("POST", std::string{"/api/v1/workflows/"} + kUnknownId + "/rerun")), "not_found");
  EXPECT_EQ(workflow_count(project_id_), 3u);
  EXPECT_EQ(workflows_queued_, 2);
}

// lint_and_build() with lint's clang-tidy and build's clang succeeded, gcc
// failed, and the workflow finished: its tree.
store::WorkflowTree end_with_gcc_failed(store::Store& store, const store::WorkflowTree& tree) {
  const auto end = [&](const store::Execution& execution, core::Status status) {
    EXPECT_TRUE(store.set_execution_status(execution.id, {core::Status::Running}).ok());
    EXPECT_TRUE(store.set_execution_status(execution.id, {status, "", status == core::Status::Success ? 0 : 1}).ok());
  };
  end(tree.pipelines[0].stages[0].executions[0], core::Status::Success);
  end(tree.pipelines[1].stages[0].executions[0], core::Status::Failure);
  end(tree.pipelines[1].stages[0].executions[1], core::Status::Success);
  EXPECT_TRUE(store.finish_workflow(tree.workflow.id, core::Status::Failure).ok());
  auto finished = store.get_workflow_tree(tree.workflow.id);
  EXPECT_TRUE(finished.ok());
  return finished.ok() ? *finished : store::WorkflowTree{};
}

TEST_P(WorkflowApiTest, ARerunOfTheFailedExecutionsKeepsTheOthers) {
  const store::WorkflowTree first = end_with_gcc_failed(*store_, planned());
  const Reply reply = call("POST", "/api/v1/workflows/" + first.workflow.id + "/rerun", json{{"failed", true}});
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string id = json::parse(reply.body)["id"];
  json view = get("/api/v1/workflows/" + id);
  EXPECT_EQ(view["actors"]["rerun_of"], first.workflow.id);
  EXPECT_EQ(view["rerun"], (json{{"selection", "failed"}, {"execution", nullptr}}));
  EXPECT_TRUE(get("/api/v1/workflows/" + first.workflow.id)["rerun"].is_null());

  ASSERT_TRUE(checked(store_->claim_next_workflow("agent-a", 30s)));
  checked(store_->record_plan(id, lint_and_build()));
  view = get("/api/v1/workflows/" + id);
  const json& tidy = view["pipelines"][0]["stages"][0]["executions"][0];
  EXPECT_EQ(tidy["status"], "success");
  EXPECT_EQ(tidy["status_reason"], "kept from workflow " + first.workflow.id);
  EXPECT_EQ(tidy["kept_from"], first.pipelines[0].stages[0].executions[0].id);
  EXPECT_TRUE(tidy["rerun_of"].is_null());
  const json& gcc = view["pipelines"][1]["stages"][0]["executions"][0];
  EXPECT_EQ(gcc["status"], "queued");
  EXPECT_TRUE(gcc["kept_from"].is_null());
  EXPECT_EQ(gcc["rerun_of"], first.pipelines[1].stages[0].executions[0].id);
  EXPECT_EQ(view["pipelines"][1]["stages"][0]["executions"][1]["status"], "success");  // clang, kept

  const auto audit = checked(store_->list_audit_entries({.action = "workflow.rerun"}, {}));
  ASSERT_EQ(audit.items.size(), 1u);
  EXPECT_EQ(audit.items[0].detail, "workflow " + id + " re-runs the 1 failed executions of workflow " +
                                       first.workflow.id + ", keeping 2");
}

// One execution runs again with what depends on it: a failed lint re-runs
// the whole build pipeline, which depends on lint.
TEST_P(WorkflowApiTest, ARerunOfOneExecutionRunsWhatDependsOnIt) {
  const store::WorkflowTree first = end_with_gcc_failed(*store_, planned());
  const std::string& tidy = first.pipelines[0].stages[0].executions[0].id;
  const Reply reply = call("POST", "/api/v1/workflows/" + first.workflow.id + "/rerun", json{{"execution", tidy}});
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string id = json::parse(reply.body)["id"];
  EXPECT_EQ(get("/api/v1/workflows/" + id)["rerun"], (json{{"selection", "execution"}, {"execution", tidy}}));
  ASSERT_TRUE(checked(store_->claim_next_workflow("agent-a", 30s)));
  const store::WorkflowTree second = checked(store_->record_plan(id, lint_and_build()));
  for (const auto& pipeline : second.pipelines)
    for (const auto& stage : pipeline.stages)
      for (const auto& execution : stage.executions) {
        EXPECT_EQ(execution.status, core::Status::Queued) << execution.name;
        EXPECT_TRUE(execution.kept_from.empty()) << execution.name;
      }

  // gcc alone: clang keeps its success, lint its own.
  const std::string& gcc = first.pipelines[1].stages[0].executions[0].id;
  const std::string third = json::parse(call("POST", "/api/v1/workflows/" + first.workflow.id + "/rerun",
                                             json{{"execution", gcc}}).body)["id"];
  ASSERT_TRUE(checked(store_->claim_next_workflow("agent-a", 30s)));
  const store::WorkflowTree tree = checked(store_->record_plan(third, lint_and_build()));
  EXPECT_EQ(tree.pipelines[0].stages[0].executions[0].status, core::Status::Success);
  EXPECT_EQ(tree.pipelines[1].stages[0].executions[0].status, core::Status::Queued);
  EXPECT_EQ(tree.pipelines[1].stages[0].executions[1].status, core::Status::Success);
}

TEST_P(WorkflowApiTest, APartialRerunNeedsAFinishedWorkflowAndOneOfItsExecutions) {
  const store::WorkflowTree running = planned();
  const std::string rerun = "/api/v1/workflows/" + running.workflow.id + "/rerun";
  const std::string& gcc = running.pipelines[1].stages[0].executions[0].id;
  Reply reply = call("POST", rerun, json{{"failed", true}});
  EXPECT_EQ(reply.status, 409) << reply.body;
  EXPECT_NE(reply.body.find("is running: only a finished workflow"), std::string::npos) << reply.body;
  EXPECT_EQ(call("POST", rerun, json{{"execution", gcc}}).status, 409);
  reply = call("POST", rerun, json{{"failed", true}, {"execution", gcc}});
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(call("POST", rerun, json{{"failed", "yes"}}).status, 400);
  reply = call("POST", rerun, json{{"failed", true}, {"stages", json::array()}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("unknown field 'stages'"), std::string::npos) << reply.body;

  const store::WorkflowTree first = end_with_gcc_failed(*store_, running);
  // An execution of another workflow of the same project is as unknown as a made-up id.
  const std::string other = enqueue("delivery-2");
  ASSERT_TRUE(checked(store_->claim_next_workflow("agent-a", 30s)));
  const std::string foreign = checked(store_->record_plan(other, lint_and_build())).pipelines[0].stages[0].executions[0].id;
  for (const std::string& unknown : {foreign, std::string{kUnknownId}, std::string{"not-an-id"}}) {
    reply = call("POST", rerun, json{{"execution", unknown}});
    EXPECT_EQ(reply.status, 404) << reply.body;
    EXPECT_NE(reply.body.find("workflow " + first.workflow.id + " has no execution " + unknown), std::string::npos)
        << reply.body;
  }
  EXPECT_EQ(workflow_count(project_id_), 2u) << "no refused rerun queued anything";

  // Nothing failed: nothing to re-run of what failed.
  store::WorkflowTree green = checked(store_->get_workflow_tree(other));
  for (const auto& pipeline : green.pipelines)
    for (const auto& stage : pipeline.stages)
      for (const auto& execution : stage.executions) {
        ASSERT_TRUE(store_->set_execution_status(execution.id, {core::Status::Running}).ok());
        ASSERT_TRUE(store_->set_execution_status(execution.id, {core::Status::Success}).ok());
      }
  ASSERT_TRUE(store_->finish_workflow(other, core::Status::Success).ok());
  reply = call("POST", "/api/v1/workflows/" + other + "/rerun", json{{"failed", true}});
  EXPECT_EQ(reply.status, 409) << reply.body;
  EXPECT_NE(reply.body.find("has no failed execution"), std::string::npos) << reply.body;
  EXPECT_EQ(call("POST", "/api/v1/workflows/" + other + "/rerun", json{{"failed", false}}).status, 202);
}

TEST_P(WorkflowApiTest, ATriggerQueuesAManualEvent) {
  const std::string trigger = "/api/v1/projects/" + project_id_ + "/trigger";
  const Reply reply = call("POST", trigger, json{{"branch", "release/2.x"}, {"sha", "ABCDEF" + std::string(34, '0')}});
  ASSERT_EQ(reply.status, 202) << reply.body;
  const auto workflow = store_->get_workflow(json::parse(reply.body)["id"].get<std::string>());
  ASSERT_TRUE(workflow);
  EXPECT_EQ(workflow->event.name, "manual");
  EXPECT_EQ(workflow->event.branch, "release/2.x");
  EXPECT_EQ(workflow->event.sha, "abcdef" + std::string(34, '0'));
  EXPECT_EQ(workflows_queued_, 1);

  const Reply head = call("POST", trigger, json{{"branch", "main"}});
  ASSERT_EQ(head.status, 202) << head.body;
  EXPECT_EQ(json::parse(head.body)["event"]["sha"], "");
  EXPECT_EQ(workflows_queued_, 2);
}

TEST_P(WorkflowApiTest, ATriggerNeedsAValidBranchAndCommit) {
  const std::string trigger = "/api/v1/projects/" + project_id_ + "/trigger";
  const json refused[] = {
      json::object(),
      {{"branch", ""}},
      {{"branch", 7}},
      {{"branch", "main"}, {"tag", "v1"}},
      {{"branch", "main"}, {"sha", "0d1a26e"}},
      {{"branch", "main"}, {"sha", std::string(40, 'g')}},
      {{"branch", "a..b"}},
      {{"branch", "-rf"}},
      {{"branch", "with space"}},
      {{"branch", "feature/"}},
      {{"branch", "/feature"}},
      {{"branch", "a//b"}},
      {{"branch", "x.lock"}},
      {{"branch", "a/.hidden"}},
      {{"branch", "ends."}},
      {{"branch", "@"}},
      {{"branch", "at@{1}"}},
      {{"branch", "what?"}},
      {{"branch", "tab\there"}},
      {{"branch", "$(id)"}},
      {{"branch", "x;reboot"}},
      {{"branch", std::string(256, 'b')}},
  };
  for (const json& body : refused) EXPECT_EQ(error_code(call("POST", trigger, body)), "invalid") << body.dump();
  EXPECT_EQ(call("POST", trigger, std::string{"{\"branch\":"}).status, 400);
  EXPECT_EQ(error_code(call("POST", std::string{"/api/v1/projects/"} + kUnknownId + "/trigger",
                            json{{"branch", "main"}})),
            "not_found");
  EXPECT_EQ(workflow_count(project_id_), 0u);
  EXPECT_EQ(workflows_queued_, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowApiTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
