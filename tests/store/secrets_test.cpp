// Project secrets on every backend (see store_fixture.h): encrypted at rest,
// listed without values, bound to their project, kept with their scopes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_fixture.h"

namespace store {
namespace {

const Query kCountSecrets{"SELECT COUNT(*) FROM project_secrets"};
const Query kSealedValues{"SELECT sealed_value FROM project_secrets"};
const Query kCopySecret{
    "INSERT INTO project_secrets (project_id, name, sealed_value, created_at, updated_at)"
    " SELECT ?, name, sealed_value, created_at, updated_at FROM project_secrets WHERE project_id = ?"};

constexpr const char* kMissingId = "01900000-0000-7000-8000-000000000000";

class SecretsTest : public ProjectStoreTest {
 protected:
  bool set(const std::string& name, const std::string& value, const core::SecretScope& scope = {}) {
    auto set = store_->set_secret(project_.id, name, value, scope);
    EXPECT_TRUE(set.ok()) << set.error().message;
    return set.ok() && *set;
  }

  core::Env values(const std::string& project_id) { return testing::secret_values(*store_, project_id); }

  std::vector<std::string> sealed_values() {
    std::vector<std::string> values;
    auto done =
        database_->direct().execute(kSealedValues, {}, [&](const Row& row) { values.emplace_back(row.text(0)); });
    EXPECT_TRUE(done.ok()) << done.error().message;
    return values;
  }
};

TEST_P(SecretsTest, SetCreatesASecretThenReplacesIt) {
  EXPECT_TRUE(set("DEPLOY_TOKEN", "first-value"));
  auto first = store_->list_secrets(project_.id);
  ASSERT_OK(first);
  EXPECT_FALSE(set("DEPLOY_TOKEN", "second-value"));

  EXPECT_EQ(values(project_.id), (core::Env{{"DEPLOY_TOKEN", "second-value"}}));
  auto listed = store_->list_secrets(project_.id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].created_at, (*first)[0].created_at);
  EXPECT_GE((*listed)[0].updated_at, (*first)[0].updated_at);
}

TEST_P(SecretsTest, ListsShowNamesInByteOrderAndNoValues) {
  set("b_lower", "value-b");
  set("A_UPPER", "value-a");
  set("Z", "value-z");
  auto listed = store_->list_secrets(project_.id);
  ASSERT_OK(listed);
  std::vector<std::string> names;
  for (const SecretInfo& secret : *listed) names.push_back(secret.name);
  EXPECT_EQ(names, (std::vector<std::string>{"A_UPPER", "Z", "b_lower"}));
  EXPECT_EQ(store_->project_secrets(project_.id)->size(), 3u);

  Project other = create("acme", "sled");
  EXPECT_TRUE(store_->list_secrets(other.id)->empty());
  EXPECT_TRUE(store_->project_secrets(other.id)->empty());
}

TEST_P(SecretsTest, ValuesAreNeverStoredInClear) {
  const std::string value = "correct horse battery staple";
  set("PASSWORD", value);
  set("SAME_PASSWORD", value);
  const auto sealed = sealed_values();
  ASSERT_EQ(sealed.size(), 2u);
  for (const std::string& text : sealed) EXPECT_EQ(text.find(value), std::string::npos) << text;
  EXPECT_NE(sealed[0], sealed[1]);  // a fresh nonce for every value
}

TEST_P(SecretsTest, AnotherKeyFailsCleanlyNamingTheSecret) {
  set("API_KEY", "value-of-the-key");
  auto other = open_store({.secrets_key = testing::test_secrets_key(7)});
  ASSERT_TRUE(other);
  auto values = other->project_secrets(project_.id);
  EXPECT_ERROR(values, ErrorKind::Internal);
  EXPECT_NE(values.error().message.find("API_KEY"), std::string::npos) << values.error().message;
  ASSERT_OK(other->list_secrets(project_.id));  // names need no decryption
}

TEST_P(SecretsTest, AValueCopiedToAnotherProjectDoesNotDecrypt) {
  set("API_KEY", "value-of-the-key");
  Project other = create("acme", "sled");
  ASSERT_OK(database_->direct().execute(kCopySecret, {other.id, project_.id}));
  EXPECT_ERROR(store_->project_secrets(other.id), ErrorKind::Internal);
  ASSERT_OK(store_->project_secrets(project_.id));
}

TEST_P(SecretsTest, WithoutAKeyEverySecretCallIsUnavailable) {
  auto keyless = open_store({});
  ASSERT_TRUE(keyless);
  EXPECT_ERROR(keyless->set_secret(project_.id, "TOKEN", "value", {}), ErrorKind::Unavailable);
  EXPECT_ERROR(keyless->delete_secret(project_.id, "TOKEN"), ErrorKind::Unavailable);
  EXPECT_ERROR(keyless->list_secrets(project_.id), ErrorKind::Unavailable);
  EXPECT_ERROR(keyless->project_secrets(project_.id), ErrorKind::Unavailable);
}

TEST_P(SecretsTest, NamesMustBeEnvironmentNamesOutsideTheReservedOnes) {
  const std::vector<std::string> refused = {"", "1ABC", "A-B", "A B", "ÄRGER", "FACTORY_TOKEN", "LD_PRELOAD", "CI",
                                            "PATH", "HOME", "PWD", "SHELL", std::string(256, 'A')};
  for (const std::string& name : refused) {
    SCOPED_TRACE(name);
    EXPECT_ERROR(store_->set_secret(project_.id, name, "value", {}), ErrorKind::Invalid);
  }
  EXPECT_EQ(database_->scalar(kCountSecrets), 0);
  const std::vector<std::string> accepted = {"_", "ci", "FACTORY", "CIRCLE_TOKEN", "a1_B2", std::string(255, 'A')};
  for (const std::string& name : accepted) EXPECT_TRUE(set(name, "value")) << name;
}

TEST_P(SecretsTest, ValuesHaveFourBytesToSixtyFourKibAndNoNul) {
  const std::vector<std::string> refused = {"", "abc", std::string(64 * 1024 + 1, 'v'), std::string("with\0nul", 8)};
  for (const std::string& value : refused) {
    SCOPED_TRACE(value.size());
    EXPECT_ERROR(store_->set_secret(project_.id, "TOKEN", value, {}), ErrorKind::Invalid);
  }
  EXPECT_EQ(database_->scalar(kCountSecrets), 0);
  const std::string largest(64 * 1024, 'v');
  EXPECT_TRUE(set("LARGEST", largest));
  EXPECT_TRUE(set("SHORTEST", "abcd"));
  EXPECT_EQ(values(project_.id).at("LARGEST"), largest);
}

TEST_P(SecretsTest, UnknownProjectsAndSecretsAreNotFound) {
  EXPECT_ERROR(store_->set_secret(kMissingId, "TOKEN", "value", {}), ErrorKind::NotFound);
  EXPECT_ERROR(store_->list_secrets(kMissingId), ErrorKind::NotFound);
  EXPECT_ERROR(store_->project_secrets(kMissingId), ErrorKind::NotFound);
  EXPECT_ERROR(store_->delete_secret(project_.id, "TOKEN"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->list_secrets("not-a-uuid"), ErrorKind::Invalid);
  EXPECT_EQ(database_->scalar(kCountSecrets), 0);
}

TEST_P(SecretsTest, DeleteRemovesOneSecret) {
  set("KEEP", "value-1");
  set("DROP", "value-2");
  ASSERT_OK(store_->delete_secret(project_.id, "DROP"));
  EXPECT_EQ(values(project_.id), (core::Env{{"KEEP", "value-1"}}));
  EXPECT_ERROR(store_->delete_secret(project_.id, "DROP"), ErrorKind::NotFound);
}

TEST_P(SecretsTest, DeletingAProjectDeletesItsSecrets) {
  set("TOKEN", "value");
  ASSERT_OK(store_->delete_project(project_.id));
  EXPECT_EQ(database_->scalar(kCountSecrets), 0);
}

TEST_P(SecretsTest, ConcurrentSetsOfANewSecretCreateItOnce) {
  constexpr int kWriters = 8;
  std::atomic<int> created = 0;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      auto set = store_->set_secret(project_.id, "TOKEN", "value-" + std::to_string(i), {});
      EXPECT_TRUE(set.ok()) << set.error().message;
      if (set.ok() && *set) ++created;
    });
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(database_->scalar(kCountSecrets), 1);
}

TEST_P(SecretsTest, ScopesAreKeptWithTheSecretAndReplacedWithIt) {
  const core::SecretScope scope{
      {"tag", "pull_request"}, {"main", "release/*", "!release/old"}, {"deploy", "docs site"}};
  set("DEPLOY_TOKEN", "value-1", scope);
  auto listed = store_->list_secrets(project_.id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].scope, scope);
  auto secrets = store_->project_secrets(project_.id);
  ASSERT_OK(secrets);
  EXPECT_EQ((*secrets)[0].scope, scope);

  set("DEPLOY_TOKEN", "value-2");  // a set gives the whole scope: the default one here
  EXPECT_EQ((*store_->list_secrets(project_.id))[0].scope, core::SecretScope{});
}

TEST_P(SecretsTest, TheDefaultScopeLeavesOutPullRequests) {
  const core::SecretScope defaults;
  EXPECT_EQ(defaults.events, (std::vector<std::string>{"push", "tag", "manual", "cron"}));
  EXPECT_TRUE(defaults.branches.empty());
  EXPECT_TRUE(defaults.pipelines.empty());
}

// Rows written before scopes existed (copied here without the scope
// columns, as migration 13 finds them) get the default scope.
TEST_P(SecretsTest, SecretsFromBeforeScopesGetTheDefaultScope) {
  set("API_KEY", "value-of-the-key");
  Project other = create("acme", "sled");
  ASSERT_OK(database_->direct().execute(kCopySecret, {other.id, project_.id}));
  auto listed = store_->list_secrets(other.id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].scope, core::SecretScope{});
}

TEST_P(SecretsTest, BadScopesAreRefusedNamingTheEntry) {
  const auto scope = [](std::vector<std::string> events, std::vector<std::string> branches,
                        std::vector<std::string> pipelines) {
    return core::SecretScope{std::move(events), std::move(branches), std::move(pipelines)};
  };
  const std::vector<std::pair<core::SecretScope, std::string>> refused = {
      {scope({}, {}, {}), "events must name at least one event"},
      {scope({"push", "deploy"}, {}, {}), "events[1] \"deploy\" is not an event"},
      {scope({"push", "push"}, {}, {}), "events[1] \"push\" is listed twice"},
      {scope({"push"}, {"main", "[main"}, {}), "branches[1] \"[main\" is not a glob"},
      {scope({"push"}, {""}, {}), "branches[0] is empty"},
      {scope({"push"}, {}, {"deploy", std::string(256, 'p')}), "pipelines[1] is longer than 255 bytes"},
      {scope({"push"}, {}, {"de\nploy"}), "pipelines[0] holds a control character"},
      {scope({"push"}, {}, std::vector<std::string>(101, "deploy")), "pipelines has more than 100 entries"},
  };
  for (const auto& [bad, message] : refused) {
    SCOPED_TRACE(message);
    auto set = store_->set_secret(project_.id, "TOKEN", "value", bad);
    EXPECT_ERROR(set, ErrorKind::Invalid);
    if (!set.ok()) {
      EXPECT_NE(set.error().message.find(message), std::string::npos) << set.error().message;
    }
  }
  EXPECT_EQ(database_->scalar(kCountSecrets), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, SecretsTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
