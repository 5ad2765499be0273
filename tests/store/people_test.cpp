// Personal tokens, grants and public projects on every backend.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

class PeopleTest : public ProjectStoreTest {
 protected:
  void SetUp() override {
    ProjectStoreTest::SetUp();
    if (!store_) return;
    alice_ = sign_in(1, "alice");
    bob_ = sign_in(2, "bob");
  }

  User sign_in(std::int64_t github_id, const std::string& login) {
    auto user = store_->sign_in_user({.id = github_id, .login = login, .name = login, .avatar_url = {}});
    EXPECT_TRUE(user.ok()) << user.error().message;
    return user.ok() ? *user : User{};
  }

  static Timestamp in(std::chrono::milliseconds from_now) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + from_now;
  }

  CreatedToken token(const User& user, const std::string& name, TokenAccess access = TokenAccess::Write,
                     const std::string& project_id = {}) {
    auto created = store_->create_personal_token(
        {.user_id = user.id, .name = name, .access = access, .project_id = project_id, .expires_at = in(24h)});
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? *created : CreatedToken{};
  }

  User alice_, bob_;
};

TEST_P(PeopleTest, APersonalTokenVerifiesAsItsUsersWithItsAccessProjectAndExpiry) {
  const CreatedToken made = token(alice_, "laptop", TokenAccess::Read, project_.id);
  auto verified = store_->verify_token(made.secret);
  ASSERT_OK(verified);
  EXPECT_EQ(verified->scope, TokenScope::Personal);
  EXPECT_EQ(verified->user_id, alice_.id);
  EXPECT_EQ(verified->access, TokenAccess::Read);
  EXPECT_EQ(verified->project_id, project_.id);
  EXPECT_EQ(verified->expires_at, made.token.expires_at);
  ASSERT_TRUE(verified->last_used_at.has_value());  // recorded on use
  EXPECT_GE(*verified->last_used_at, made.token.created_at);

  auto listed = store_->list_personal_tokens(alice_.id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().last_used_at, verified->last_used_at);
  EXPECT_TRUE(store_->list_tokens()->empty()) << "personal tokens are not the server's";
}

TEST_P(PeopleTest, ExpiredTokensAreRefused) {
  auto expired = store_->create_personal_token({.user_id = alice_.id, .name = "old", .expires_at = in(-1ms)});
  ASSERT_OK(expired);
  EXPECT_ERROR(store_->verify_token(expired->secret), ErrorKind::NotFound);
  EXPECT_FALSE(store_->list_personal_tokens(alice_.id)->front().last_used_at.has_value()) << "never used";

  // A valid token's expiry passes: written beneath the store, as a clock moved forward would see it.
  const CreatedToken made = token(alice_, "short");
  ASSERT_TRUE(store_->verify_token(made.secret).ok());
  const Query expire{"UPDATE api_tokens SET expires_at = ? WHERE id = ?"};
  const std::int64_t past = in(-1ms).time_since_epoch().count();
  ASSERT_OK(database_->direct().execute(expire, {past, made.token.id}));
  EXPECT_ERROR(store_->verify_token(made.secret), ErrorKind::NotFound);
  EXPECT_EQ(store_->list_personal_tokens(alice_.id)->size(), 2u) << "listed until revoked, so their owner sees them";
}

TEST_P(PeopleTest, OwnersAndAdminsRevokeOthersFindNothing) {
  const CreatedToken first = token(alice_, "first"), second = token(alice_, "second"), bobs = token(bob_, "bobs");
  EXPECT_ERROR(store_->revoke_personal_token(first.token.id, bob_.id), ErrorKind::NotFound);
  EXPECT_TRUE(store_->verify_token(first.secret).ok());
  ASSERT_OK(store_->revoke_personal_token(first.token.id, alice_.id));
  EXPECT_ERROR(store_->verify_token(first.secret), ErrorKind::NotFound);
  EXPECT_ERROR(store_->revoke_personal_token(first.token.id, alice_.id), ErrorKind::NotFound);  // revoked already
  ASSERT_OK(store_->revoke_personal_token(second.token.id));  // an admin's: anyone's
  EXPECT_ERROR(store_->verify_token(second.secret), ErrorKind::NotFound);

  auto admin = store_->create_token("admin");
  ASSERT_OK(admin);
  EXPECT_ERROR(store_->revoke_personal_token(admin->token.id), ErrorKind::NotFound);  // not a personal token
  EXPECT_TRUE(store_->verify_token(admin->secret).ok());

  EXPECT_TRUE(store_->list_personal_tokens(alice_.id)->empty());
  auto everyone = store_->list_personal_tokens();
  ASSERT_OK(everyone);
  ASSERT_EQ(everyone->size(), 1u);
  EXPECT_EQ(everyone->front().id, bobs.token.id);
}

TEST_P(PeopleTest, TokensNeedAKnownUserAndProject) {
  const std::string missing = "01900000-0000-7000-8000-000000000000";
  EXPECT_ERROR(store_->create_personal_token({.user_id = missing, .name = "t", .expires_at = in(1h)}),
               ErrorKind::NotFound);
  EXPECT_ERROR(
      store_->create_personal_token({.user_id = alice_.id, .name = "t", .project_id = missing, .expires_at = in(1h)}),
      ErrorKind::NotFound);
  EXPECT_ERROR(store_->create_personal_token({.user_id = "alice", .name = "t", .expires_at = in(1h)}),
               ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_token("t", TokenScope::Personal), ErrorKind::Invalid);
  EXPECT_TRUE(store_->list_personal_tokens()->empty());
}

TEST_P(PeopleTest, GrantsNameLoginsInLowercaseAndGoWithTheirProject) {
  EXPECT_TRUE(*store_->set_member(project_.id, "Carol-X", "write"));  // not signed in yet
  EXPECT_FALSE(*store_->set_member(project_.id, "carol-x", "admin")) << "the same login: replaced";
  EXPECT_TRUE(*store_->set_member(project_.id, "alice", "read"));
  EXPECT_EQ(*store_->member_role(project_.id, "CAROL-X"), "admin");
  EXPECT_EQ(*store_->member_role(project_.id, "bob"), "");
  auto members = store_->list_members(project_.id);
  ASSERT_OK(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ(members->at(0).login, "alice");
  EXPECT_EQ(members->at(1).login, "carol-x");
  EXPECT_EQ(members->at(1).role, "admin");

  const Project other = create("acme", "other");
  EXPECT_EQ(*store_->member_role(other.id, "alice"), "") << "a grant is for one project";
  ASSERT_OK(store_->remove_member(project_.id, "Alice"));
  EXPECT_ERROR(store_->remove_member(project_.id, "alice"), ErrorKind::NotFound);
  ASSERT_OK(store_->delete_project(project_.id));
  EXPECT_EQ(*store_->member_role(project_.id, "carol-x"), "");
  EXPECT_ERROR(store_->list_members(project_.id), ErrorKind::NotFound);
}

TEST_P(PeopleTest, GrantsRefuseBadLoginsRolesAndProjects) {
  for (const char* login : {"", "-bob", "bob-", "bo--b", "bob smith", "bob/x", "a234567890123456789012345678901234567890"}) {
    SCOPED_TRACE(login);
    EXPECT_ERROR(store_->set_member(project_.id, login, "read"), ErrorKind::Invalid);
  }
  EXPECT_ERROR(store_->set_member(project_.id, "bob", "none"), ErrorKind::Invalid);
  EXPECT_ERROR(store_->set_member(project_.id, "bob", "Admin"), ErrorKind::Invalid);
  EXPECT_ERROR(store_->set_member("01900000-0000-7000-8000-000000000000", "bob", "read"), ErrorKind::NotFound);
  EXPECT_TRUE(store_->list_members(project_.id)->empty());
}

TEST_P(PeopleTest, ProjectsArePrivateUntilMadePublic) {
  EXPECT_FALSE(project_.is_public);
  auto changed = store_->update_project(project_.id, {.is_public = true});
  ASSERT_OK(changed);
  EXPECT_TRUE(changed->is_public);
  EXPECT_TRUE(store_->get_project(project_.id)->is_public);
  EXPECT_TRUE(store_->update_project(project_.id, {.name = "renamed"})->is_public) << "other changes keep it";
  EXPECT_FALSE(store_->update_project(project_.id, {.is_public = false})->is_public);
}

INSTANTIATE_TEST_SUITE_P(Backends, PeopleTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
