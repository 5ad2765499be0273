// Personal tokens (scope, one project, expiry, revocation, last use),
// grants, public projects and the users list, through the API.
#include "api/views.h"
#include "people_fixture.h"

namespace api::testing {
namespace {

using namespace std::chrono_literals;
using store::TokenAccess;

class PeopleRoutesTest : public PeopleApiTest {
 protected:
  void configure(ApiOptions& options) override {
    PeopleApiTest::configure(options);
    // GitHub says "ghwriter" may push to every repository.
    options.repository_role = [](const Caller& caller, const store::Project&) {
      return caller.login == "ghwriter" ? Role::Write : Role::None;
    };
  }

  void SetUp() override {
    PeopleApiTest::SetUp();
    if (!store_) return;
    project_ = project("app");
    other_ = project("other");
    workflow_ = store_->enqueue_workflow(project_, "d1", {.name = "push", .branch = "main"})->id;
  }

  json body_of(const Reply& reply) { return json::parse(reply.body, nullptr, false); }
  std::string trigger(const std::string& project_id) { return "/api/v1/projects/" + project_id + "/trigger"; }
  std::string project_path(const std::string& project_id) { return "/api/v1/projects/" + project_id; }

  std::string project_, other_, workflow_;
  const std::string branch_ = R"({"branch": "main"})";
};

TEST_P(PeopleRoutesTest, AReadTokenReadsButCannotTriggerCancelOrRerun) {
  grant(project_, "wanda", "write");
  const std::string read = token_of("wanda", TokenAccess::Read), write = token_of("wanda");
  const Reply view = as(read, "GET", project_path(project_));
  EXPECT_EQ(view.status, 200);
  EXPECT_EQ(body_of(view)["role"], "read");
  EXPECT_EQ(as(read, "POST", trigger(project_), branch_).status, 403);
  EXPECT_EQ(as(read, "POST", "/api/v1/workflows/" + workflow_ + "/cancel").status, 403);
  EXPECT_EQ(as(read, "POST", "/api/v1/workflows/" + workflow_ + "/rerun").status, 403);
  EXPECT_EQ(workflow_count(project_), 1u);
  EXPECT_EQ(store_->get_workflow(workflow_)->status, core::Status::Queued);

  EXPECT_EQ(body_of(as(write, "GET", project_path(project_)))["role"], "write");
  EXPECT_EQ(as(write, "POST", trigger(project_), branch_).status, 202);
  EXPECT_EQ(as(write, "POST", "/api/v1/workflows/" + workflow_ + "/cancel").status, 200);
  EXPECT_EQ(as(write, "PUT", project_path(project_), R"({"public": true})").status, 403) << "a writer, not an admin";
}

TEST_P(PeopleRoutesTest, AOneProjectTokenReachesNoOtherProject) {
  grant(project_, "olga", "admin");
  grant(other_, "olga", "admin");
  const std::string token = token_of("olga", TokenAccess::Write, project_);
  EXPECT_EQ(as(token, "GET", project_path(project_)).status, 200);
  EXPECT_EQ(as(token, "GET", project_path(other_)).status, 404);
  EXPECT_EQ(as(token, "POST", trigger(other_), branch_).status, 404);
  EXPECT_EQ(as(token, "POST", trigger(project_), branch_).status, 202);
  const json listed = body_of(as(token, "GET", "/api/v1/projects"));
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["id"], project_);
}

TEST_P(PeopleRoutesTest, ExpiredAndUnknownTokensAre401) {
  grant(project_, "ed", "read");
  const std::string expired = token_of("ed", TokenAccess::Read, {}, -1h);
  const Reply reply = as(expired, "GET", project_path(project_));
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.headers.count("www-authenticate"), 1u);
  EXPECT_EQ(as(token_of("ed"), "GET", project_path(project_)).status, 200);
}

TEST_P(PeopleRoutesTest, TokensAreRevokedByTheirOwnerAndAdminsOnly) {
  store::ApiToken first, second;
  const std::string owner = token_of("rita", TokenAccess::Write, {}, 24h, &first);
  const std::string kept = token_of("rita", TokenAccess::Write, {}, 24h, &second);
  const std::string reader = token_of("rita", TokenAccess::Read);
  const std::string stranger = token_of("sam");

  EXPECT_EQ(as(stranger, "DELETE", "/api/v1/user/tokens/" + first.id).status, 404);
  EXPECT_EQ(as(stranger, "DELETE", "/api/v1/tokens/" + first.id).status, 403);
  EXPECT_EQ(as(reader, "DELETE", "/api/v1/user/tokens/" + first.id).status, 403) << "a read token changes nothing";
  EXPECT_EQ(as(owner, "GET", "/api/v1/user/tokens").status, 200);

  EXPECT_EQ(as(kept, "DELETE", "/api/v1/user/tokens/" + first.id).status, 204);
  EXPECT_EQ(as(owner, "GET", "/api/v1/user/tokens").status, 401);
  EXPECT_EQ(as(kept, "DELETE", "/api/v1/user/tokens/" + first.id).status, 404) << "revoked already";

  const std::string root = token_of("root");
  const json all = body_of(as(root, "GET", "/api/v1/tokens"));
  EXPECT_EQ(all["items"].size(), 4u) << all;  // rita's two left, sam's and root's
  EXPECT_EQ(all["items"][0]["user"], "rita");
  EXPECT_EQ(as(root, "DELETE", "/api/v1/tokens/" + second.id).status, 204);
  EXPECT_EQ(as(kept, "GET", "/api/v1/user/tokens").status, 401);
  EXPECT_EQ(as(token_, "GET", "/api/v1/user/tokens").status, 403) << "the admin token has no tokens of its own";
}

TEST_P(PeopleRoutesTest, TokensMadeThroughTheApiShowTheirSecretOnceAndRecordTheirUse) {
  const std::string mine = token_of("mia");
  const Reply made = as(mine, "POST", "/api/v1/user/tokens",
                        R"({"name": "deploy", "access": "read", "expires_in_days": 7})");
  ASSERT_EQ(made.status, 201) << made.body;
  const json created = body_of(made);
  const std::string secret = created["secret"];
  EXPECT_EQ(created["token"]["access"], "read");
  EXPECT_TRUE(created["token"]["project_id"].is_null());
  EXPECT_TRUE(created["token"]["last_used_at"].is_null());
  EXPECT_EQ(as(secret, "GET", "/api/v1/user/tokens").status, 200);

  const Reply listed = as(mine, "GET", "/api/v1/user/tokens");
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "never shown again";
  EXPECT_EQ(listed.body.find("secret"), std::string::npos);
  const json items = body_of(listed)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1]["id"], created["token"]["id"]);
  EXPECT_TRUE(items[1]["last_used_at"].is_string()) << "recorded on use: " << items[1];
  EXPECT_EQ(items[1]["expires_at"], created["token"]["expires_at"]);

  EXPECT_EQ(as(secret, "POST", "/api/v1/user/tokens", R"({"name": "x", "access": "read"})").status, 403);
  EXPECT_EQ(as(mine, "POST", "/api/v1/user/tokens", R"({"name": "x", "access": "admin"})").status, 400);
  EXPECT_EQ(as(mine, "POST", "/api/v1/user/tokens", R"({"name": "x", "access": "read", "expires_in_days": 367})").status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/user/tokens", json{{"name", "x"}, {"access", "read"}}).status, 403);
}

TEST_P(PeopleRoutesTest, ATokenMakesNoTokenBeyondItsProjectOrItsExpiry) {
  grant(project_, "tom", "write");
  const std::string unreadable = R"({"name": "x", "access": "write", "project_id": ")" + other_ + R"("})";
  EXPECT_EQ(as(token_of("tom"), "POST", "/api/v1/user/tokens", unreadable).status, 404);

  store::ApiToken parent;
  const std::string scoped = token_of("tom", TokenAccess::Write, project_, 24h, &parent);
  const Reply made = as(scoped, "POST", "/api/v1/user/tokens", R"({"name": "child", "access": "write"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const json child = body_of(made)["token"];
  EXPECT_EQ(child["project_id"], project_) << "a one-project token's tokens are for its project";
  EXPECT_EQ(child["expires_at"], timestamp_text(*parent.expires_at)) << "and end when it does, not in 30 days";
}

TEST_P(PeopleRoutesTest, APublicProjectIsReadableByEveryoneAndChangeableByNoneOfThem) {
  const std::string admin = token_of("ada");
  grant(project_, "ada", "admin");
  EXPECT_EQ(as("", "GET", project_path(project_)).status, 401);
  EXPECT_EQ(as(token_of("nobody"), "GET", project_path(project_)).status, 404);

  const Reply made_public = as(admin, "PUT", project_path(project_), R"({"public": true})");
  ASSERT_EQ(made_public.status, 200) << made_public.body;
  EXPECT_EQ(body_of(made_public)["public"], true);
  EXPECT_EQ(body_of(made_public)["role"], "admin");

  const Reply anonymous = as("", "GET", project_path(project_));
  EXPECT_EQ(anonymous.status, 200);
  EXPECT_EQ(body_of(anonymous)["role"], "read");
  EXPECT_EQ(body_of(as("", "GET", "/api/v1/projects"))["items"].size(), 1u);
  EXPECT_EQ(as("", "GET", "/api/v1/workflows/" + workflow_).status, 200);
  EXPECT_EQ(as("", "POST", trigger(project_), branch_).status, 401);
  EXPECT_EQ(as(token_of("nobody"), "POST", trigger(project_), branch_).status, 403);
  const std::string elsewhere = token_of("nobody", TokenAccess::Write, other_);
  EXPECT_EQ(body_of(as(elsewhere, "GET", project_path(project_)))["role"], "read") << "no less than anonymous";
  EXPECT_EQ(as("", "GET", project_path(other_)).status, 401) << "the other project stays private";

  ASSERT_EQ(as(admin, "PUT", project_path(project_), R"({"public": false})").status, 200);
  EXPECT_EQ(as("", "GET", project_path(project_)).status, 401);
}

TEST_P(PeopleRoutesTest, ProjectAdminsGrantRolesEvenToPeopleNotSignedInYet) {
  const std::string admin = token_of("ada");
  grant(project_, "ada", "admin");
  const std::string members = project_path(project_) + "/members";
  const Reply granted = as(admin, "PUT", members + "/New-Comer", R"({"role": "write"})");
  EXPECT_EQ(granted.status, 201) << granted.body;
  EXPECT_EQ(body_of(granted), (json{{"login", "new-comer"}, {"role", "write"}}));
  EXPECT_EQ(as(admin, "PUT", members + "/new-comer", R"({"role": "read"})").status, 200);
  EXPECT_EQ(as(admin, "PUT", members + "/x", R"({"role": "none"})").status, 400);
  EXPECT_EQ(as(admin, "PUT", members + "/-x", R"({"role": "read"})").status, 400);

  const std::string newcomer = token_of("New-Comer");  // signs in now, as GitHub spells the login
  EXPECT_EQ(body_of(as(newcomer, "GET", project_path(project_)))["role"], "read");
  EXPECT_EQ(as(newcomer, "GET", members).status, 403);
  EXPECT_EQ(as(newcomer, "PUT", members + "/ada", R"({"role": "read"})").status, 403);

  const json listed = body_of(as(admin, "GET", members));
  EXPECT_EQ(listed["items"], (json::array({{{"login", "ada"}, {"role", "admin"}}, {{"login", "new-comer"}, {"role", "read"}}})));
  EXPECT_EQ(as(admin, "DELETE", members + "/new-comer").status, 204);
  EXPECT_EQ(as(newcomer, "GET", project_path(project_)).status, 404);
  EXPECT_EQ(as(admin, "DELETE", members + "/new-comer").status, 404);
}

// Each change of a grant or a token leaves an audit entry naming who made
// it, when, and on which project; refused ones leave none.
TEST_P(PeopleRoutesTest, GrantsAndTokensAreAudited) {
  const auto before = std::chrono::system_clock::now() - 1s;
  const std::string admin = token_of("ada");
  grant(project_, "ada", "admin");
  const std::string members = project_path(project_) + "/members";
  ASSERT_EQ(as(admin, "PUT", members + "/bob", R"({"role": "write"})").status, 201);
  ASSERT_EQ(as(admin, "DELETE", members + "/bob").status, 204);
  EXPECT_EQ(as(token_of("eve"), "PUT", members + "/eve", R"({"role": "admin"})").status, 404);
  const Reply made = as(admin, "POST", "/api/v1/user/tokens", R"({"name": "deploy", "access": "read"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string token_id = body_of(made)["token"]["id"];
  ASSERT_EQ(as(admin, "DELETE", "/api/v1/user/tokens/" + token_id).status, 204);

  auto entries = store_->list_audit_entries({.actor = "ada"}, {});
  ASSERT_TRUE(entries) << entries.error().message;
  std::vector<std::string> actions;
  for (const store::AuditEntry& entry : entries->items) {
    actions.push_back(entry.action);
    EXPECT_GE(entry.at, before) << entry.action;
    EXPECT_EQ(entry.address, "127.0.0.1");
    if (entry.action.starts_with("member.")) {
      EXPECT_EQ(entry.project_id, project_);
    }
    const std::string expected_detail = entry.action == "token.create"   ? "deploy"
                                        : entry.action == "token.revoke" ? token_id
                                                                         : "bob";
    EXPECT_NE(entry.detail.find(expected_detail), std::string::npos) << entry.action << ": " << entry.detail;
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"token.revoke", "token.create", "member.remove", "member.set"}));
  EXPECT_TRUE(store_->list_audit_entries({.actor = "eve"}, {})->items.empty()) << "a refused request is no entry";
}

TEST_P(PeopleRoutesTest, TheRepositorysPermissionAndGrantsCombineTheHigherWins) {
  const std::string ghwriter = token_of("ghwriter");
  EXPECT_EQ(body_of(as(ghwriter, "GET", project_path(project_)))["role"], "write");
  grant(project_, "ghwriter", "read");
  EXPECT_EQ(body_of(as(ghwriter, "GET", project_path(project_)))["role"], "write");
  grant(project_, "ghwriter", "admin");
  EXPECT_EQ(body_of(as(ghwriter, "GET", project_path(project_)))["role"], "admin");
  EXPECT_EQ(body_of(as(token_of("ghwriter", TokenAccess::Read), "GET", project_path(project_)))["role"], "read");
}

TEST_P(PeopleRoutesTest, ServerAdminsListUsersAndAreAdminsOfEveryProject) {
  const std::string root = token_of("ROOT");  // --admin names compare without case, as GitHub's logins
  token_of("uma");
  const Reply users = as(root, "GET", "/api/v1/users");
  ASSERT_EQ(users.status, 200) << users.body;
  const json items = body_of(users)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["login"], "ROOT");
  EXPECT_EQ(items[0]["server_admin"], true);
  EXPECT_EQ(items[1]["server_admin"], false);
  EXPECT_EQ(as(token_of("uma"), "GET", "/api/v1/users").status, 403);
  EXPECT_EQ(body_of(as(root, "GET", project_path(other_)))["role"], "admin");
  EXPECT_EQ(body_of(as(token_of("ROOT", TokenAccess::Read), "GET", project_path(other_)))["role"], "read");
  EXPECT_EQ(as(token_of("ROOT", TokenAccess::Read), "GET", "/api/v1/users").status, 403)
      << "a read token is no server admin";
  const std::string one_project = token_of("ROOT", TokenAccess::Write, other_);
  EXPECT_EQ(body_of(as(one_project, "GET", project_path(other_)))["role"], "admin");
  EXPECT_EQ(as(one_project, "GET", "/api/v1/users").status, 403) << "nor is a one-project token";
  EXPECT_EQ(as(one_project, "POST", "/api/v1/projects", R"({"owner": "a", "name": "b", "url": "https://x/y"})").status,
            403);
}

INSTANTIATE_TEST_SUITE_P(Backends, PeopleRoutesTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
