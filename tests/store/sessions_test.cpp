// Sessions and sign-in states on every backend: only hashes kept, expiry on
// the caller's clock, single use.
#include <gtest/gtest.h>

#include "store/token_secret.h"
#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

class SessionStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (!store_) return;
    auto user = store_->sign_in_user({.id = 583231, .login = "octocat", .name = "The Octocat", .avatar_url = ""});
    ASSERT_OK(user);
    user_ = *user;
  }

  User user_;
  Timestamp t0_{std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours{500'000})};
  SessionPolicy policy_{.idle = 1h, .lifetime = 4h};
};

TEST_P(SessionStoreTest, ASessionIsFoundByItsSecretWithItsUser) {
  auto created = store_->create_session(user_.id, t0_, policy_);
  ASSERT_OK(created);
  EXPECT_EQ(created->secret.size(), 64u);
  EXPECT_EQ(created->session.csrf_token.size(), 64u);
  EXPECT_NE(created->secret, created->session.csrf_token);
  auto used = store_->use_session(created->secret, t0_ + 1min, policy_);
  ASSERT_OK(used);
  EXPECT_EQ(used->id, created->session.id);
  EXPECT_EQ(used->user.login, "octocat");
  EXPECT_EQ(used->user.name, "The Octocat");
  EXPECT_EQ(used->csrf_token, created->session.csrf_token);
  EXPECT_EQ(used->last_seen_at, t0_ + 1min);
  EXPECT_ERROR(store_->use_session(sha256_hex(created->secret), t0_, policy_), ErrorKind::NotFound);
  EXPECT_ERROR(store_->use_session("", t0_, policy_), ErrorKind::NotFound);
  EXPECT_ERROR(store_->create_session("0190a8b2-0000-7000-8000-000000000000", t0_, policy_), ErrorKind::NotFound);
}

TEST_P(SessionStoreTest, IdleAndAbsoluteExpiry) {
  auto idle = store_->create_session(user_.id, t0_, policy_);
  ASSERT_OK(idle);
  ASSERT_OK(store_->use_session(idle->secret, t0_ + 59min, policy_));
  ASSERT_OK(store_->use_session(idle->secret, t0_ + 118min, policy_));  // idle counts from the last use
  EXPECT_ERROR(store_->use_session(idle->secret, t0_ + 178min, policy_), ErrorKind::NotFound);
  EXPECT_ERROR(store_->use_session(idle->secret, t0_ + 119min, policy_), ErrorKind::NotFound);  // deleted

  auto busy = store_->create_session(user_.id, t0_, policy_);
  ASSERT_OK(busy);
  for (auto at = t0_ + 50min; at < t0_ + 4h; at += 50min) ASSERT_OK(store_->use_session(busy->secret, at, policy_));
  EXPECT_ERROR(store_->use_session(busy->secret, t0_ + 4h, policy_), ErrorKind::NotFound);
}

TEST_P(SessionStoreTest, AnEndedSessionIsGoneAndOthersStay) {
  auto first = store_->create_session(user_.id, t0_, policy_);
  auto second = store_->create_session(user_.id, t0_, policy_);
  ASSERT_OK(first);
  ASSERT_OK(second);
  ASSERT_OK(store_->end_session(first->secret));
  ASSERT_OK(store_->end_session(first->secret));  // again: nothing to do
  EXPECT_ERROR(store_->use_session(first->secret, t0_, policy_), ErrorKind::NotFound);
  EXPECT_TRUE(store_->use_session(second->secret, t0_, policy_).ok());
}

TEST_P(SessionStoreTest, ASignInStateIsGoodOnceWithinItsLifetime) {
  ASSERT_OK(store_->save_sign_in_state("state-1", "/projects", t0_, 10min));
  ASSERT_OK(store_->save_sign_in_state("state-2", "/", t0_, 10min));
  auto taken = store_->take_sign_in_state("state-1", t0_ + 9min);
  ASSERT_OK(taken);
  EXPECT_EQ(*taken, "/projects");
  EXPECT_ERROR(store_->take_sign_in_state("state-1", t0_ + 9min), ErrorKind::NotFound);
  EXPECT_ERROR(store_->take_sign_in_state("state-2", t0_ + 10min), ErrorKind::NotFound);  // expired
  EXPECT_ERROR(store_->take_sign_in_state("never-saved", t0_), ErrorKind::NotFound);
  EXPECT_ERROR(store_->save_sign_in_state("state-3", std::string(2049, 'a'), t0_, 10min), ErrorKind::Invalid);
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string{info.param}; });

}  // namespace
}  // namespace store
