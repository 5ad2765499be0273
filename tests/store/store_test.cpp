// The storage suite: every test runs unchanged against SQLite, MariaDB and
// PostgreSQL, each on a fresh database of its own.
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <set>
#include <thread>

#include "core/uuid.h"
#include "store/migrations.h"
#include "store/token_secret.h"
#include "store_fixture.h"
#include "test_database.h"

namespace store {
namespace {

using testing::TestDatabase;

// Versions are not consecutive (numbers are handed out to work in progress):
// every version is there once when the count of versions is the count of
// rows and the newest is this build's.
const Query kCountMigrations{"SELECT COUNT(*) FROM schema_migrations"};
const Query kCountMigrationVersions{"SELECT COUNT(DISTINCT version) FROM schema_migrations"};
const Query kNewestMigration{"SELECT MAX(version) FROM schema_migrations"};
const Query kCountOwners{"SELECT COUNT(*) FROM owners"};
const Query kCountProjects{"SELECT COUNT(*) FROM projects"};
const Query kCountTokensWithHash{"SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?"};
const Query kCountTokensWithSecret{"SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? OR name = ?"};

constexpr const char* kMissingId = "01900000-0000-7000-8000-000000000000";

TEST_P(StoreTest, MigrationsAreRecordedOnceAndReopeningIsHarmless) {
  const auto applied = database_->scalar(kCountMigrations);
  EXPECT_EQ(applied, database_->scalar(kCountMigrationVersions));
  EXPECT_EQ(database_->scalar(kNewestMigration), latest_schema_version());
  create("acme", "rocket");
  store_.reset();
  store_ = open_store();
  ASSERT_TRUE(store_);
  EXPECT_EQ(database_->scalar(kCountMigrations), applied);
  EXPECT_EQ(database_->scalar(kCountProjects), 1);
}

TEST_P(StoreTest, ConcurrentOpensOfANewDatabaseBothSucceed) {
  store_.reset();
  std::string why;
  auto fresh = TestDatabase::create(GetParam(), why);
  ASSERT_TRUE(fresh) << why;
  constexpr int kServers = 3;
  std::vector<Result<std::unique_ptr<Store>>> opened;
  for (int i = 0; i < kServers; ++i) opened.emplace_back(invalid("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i) threads.emplace_back([&, i] { opened[i] = open(fresh->url()); });
  for (auto& thread : threads) thread.join();
  for (auto& result : opened) {
    ASSERT_OK(result);
    EXPECT_TRUE((*result)->create_owner("owner-" + core::Uuid::new_v7().to_string()).ok());
  }
  EXPECT_EQ(fresh->scalar(kCountMigrations), database_->scalar(kCountMigrations));
  EXPECT_EQ(fresh->scalar(kCountOwners), kServers);
}

TEST_P(StoreTest, CreatingAProjectCreatesItsOwner) {
  Project project = create("acme", "rocket", "https://github.com/acme/rocket");
  EXPECT_TRUE(core::is_uuid(project.id));
  EXPECT_EQ(project.owner_name, "acme");
  EXPECT_EQ(project.created_at, project.updated_at);

  auto owner = store_->find_owner("acme");
  ASSERT_OK(owner);
  EXPECT_EQ(owner->id, project.owner_id);

  Project second = create("acme", "sled");
  EXPECT_EQ(second.owner_id, project.owner_id);
  EXPECT_EQ(database_->scalar(kCountOwners), 1);
}

TEST_P(StoreTest, GetReturnsWhatWasCreated) {
  Project created = create("acme", "rocket", "https://github.com/acme/rocket");
  auto got = store_->get_project(created.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->id, created.id);
  EXPECT_EQ(got->owner_id, created.owner_id);
  EXPECT_EQ(got->owner_name, "acme");
  EXPECT_EQ(got->name, "rocket");
  EXPECT_EQ(got->url, "https://github.com/acme/rocket");
  EXPECT_EQ(got->webhook_secret, "secret-rocket");
  EXPECT_EQ(got->created_at, created.created_at);

  auto by_url = store_->find_project_by_url("https://github.com/acme/rocket");
  ASSERT_OK(by_url);
  EXPECT_EQ(by_url->id, created.id);
  EXPECT_ERROR(store_->find_project_by_url("https://github.com/acme/none"), ErrorKind::NotFound);

  auto by_name = store_->find_project_by_name("acme", "rocket");
  ASSERT_OK(by_name);
  EXPECT_EQ(by_name->id, created.id);
  EXPECT_ERROR(store_->find_project_by_name("acme", "none"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->find_project_by_name("rocket", "acme"), ErrorKind::NotFound);
}

TEST_P(StoreTest, UppercaseIdsFindTheSameProject) {
  Project created = create("acme", "rocket");
  std::string upper = created.id;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  auto got = store_->get_project(upper);
  ASSERT_OK(got);
  EXPECT_EQ(got->id, created.id);
}

TEST_P(StoreTest, UpdateChangesOnlyTheGivenFields) {
  Project created = create("acme", "rocket");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto updated = store_->update_project(created.id, {.name = "rocket2", .webhook_secret = "new-secret"});
  ASSERT_OK(updated);
  EXPECT_EQ(updated->name, "rocket2");
  EXPECT_EQ(updated->url, created.url);
  EXPECT_EQ(updated->webhook_secret, "new-secret");
  EXPECT_GT(updated->updated_at, created.updated_at);
  EXPECT_EQ(updated->created_at, created.created_at);

  auto got = store_->get_project(created.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "rocket2");
  EXPECT_EQ(got->webhook_secret, "new-secret");

  auto unchanged = store_->update_project(created.id, {});
  ASSERT_OK(unchanged);
  EXPECT_EQ(unchanged->name, "rocket2");
}

TEST_P(StoreTest, SupersedingSettingsDefaultToPullRequestsOnlyAndUpdateAlone) {
  Project created = create("acme", "rocket");
  EXPECT_FALSE(created.cancel_superseded_pushes);
  EXPECT_TRUE(created.cancel_superseded_pull_requests);
  auto got = store_->get_project(created.id);
  ASSERT_OK(got);
  EXPECT_FALSE(got->cancel_superseded_pushes);
  EXPECT_TRUE(got->cancel_superseded_pull_requests);

  auto pushes = store_->update_project(created.id, {.cancel_superseded_pushes = true});
  ASSERT_OK(pushes);
  EXPECT_TRUE(pushes->cancel_superseded_pushes);
  EXPECT_TRUE(pushes->cancel_superseded_pull_requests);
  auto pull_requests = store_->update_project(created.id, {.cancel_superseded_pull_requests = false});
  ASSERT_OK(pull_requests);
  EXPECT_TRUE(pull_requests->cancel_superseded_pushes);
  EXPECT_FALSE(pull_requests->cancel_superseded_pull_requests);

  auto chosen = store_->create_project({.owner = "acme",
                                        .name = "probe",
                                        .url = "https://git.example/acme/probe.git",
                                        .webhook_secret = "secret-probe",
                                        .cancel_superseded_pushes = true,
                                        .cancel_superseded_pull_requests = false});
  ASSERT_OK(chosen);
  auto listed = store_->list_projects({});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 2u);
  EXPECT_TRUE(listed->items[1].cancel_superseded_pushes);
  EXPECT_FALSE(listed->items[1].cancel_superseded_pull_requests);
}

TEST_P(StoreTest, DeleteRemovesTheProjectOnly) {
  Project doomed = create("acme", "rocket");
  Project kept = create("acme", "sled");
  ASSERT_OK(store_->delete_project(doomed.id));
  EXPECT_ERROR(store_->get_project(doomed.id), ErrorKind::NotFound);
  EXPECT_ERROR(store_->delete_project(doomed.id), ErrorKind::NotFound);
  EXPECT_TRUE(store_->get_project(kept.id).ok());
  EXPECT_TRUE(store_->find_owner("acme").ok());
}

TEST_P(StoreTest, DuplicateNameOfOneOwnerConflicts) {
  create("acme", "rocket", "https://a.example/1");
  auto again = store_->create_project({"acme", "rocket", "https://a.example/2", "s"});
  EXPECT_ERROR(again, ErrorKind::Conflict);
  EXPECT_NE(again.error().message.find("named 'rocket'"), std::string::npos) << again.error().message;
  EXPECT_EQ(database_->scalar(kCountProjects), 1);

  // The same name under another owner is a different project.
  EXPECT_TRUE(store_->create_project({"globex", "rocket", "https://a.example/3", "s"}).ok());
}

TEST_P(StoreTest, DuplicateUrlConflictsAndLeavesNoOwnerBehind) {
  create("acme", "rocket", "https://a.example/1");
  auto again = store_->create_project({"globex", "other", "https://a.example/1", "s"});
  EXPECT_ERROR(again, ErrorKind::Conflict);
  EXPECT_NE(again.error().message.find("url"), std::string::npos) << again.error().message;
  // The owner made for the failed project went with its transaction.
  EXPECT_ERROR(store_->find_owner("globex"), ErrorKind::NotFound);
  EXPECT_EQ(database_->scalar(kCountOwners), 1);
}

TEST_P(StoreTest, UpdateIntoATakenNameOrUrlConflicts) {
  create("acme", "rocket", "https://a.example/1");
  Project sled = create("acme", "sled", "https://a.example/2");
  EXPECT_ERROR(store_->update_project(sled.id, {.name = "rocket"}), ErrorKind::Conflict);
  EXPECT_ERROR(store_->update_project(sled.id, {.url = "https://a.example/1"}), ErrorKind::Conflict);
  auto got = store_->get_project(sled.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "sled");
  EXPECT_EQ(got->url, "https://a.example/2");
}

TEST_P(StoreTest, UnknownIdsAreNotFoundAndMalformedIdsInvalid) {
  EXPECT_ERROR(store_->get_project(kMissingId), ErrorKind::NotFound);
  EXPECT_ERROR(store_->update_project(kMissingId, {.name = "x"}), ErrorKind::NotFound);
  EXPECT_ERROR(store_->delete_project(kMissingId), ErrorKind::NotFound);
  EXPECT_ERROR(store_->get_owner(kMissingId), ErrorKind::NotFound);
  EXPECT_ERROR(store_->rename_owner(kMissingId, "x"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->delete_owner(kMissingId), ErrorKind::NotFound);
  EXPECT_ERROR(store_->revoke_token(kMissingId), ErrorKind::NotFound);
  for (const char* bad : {"", "42", "not-a-uuid", "01900000-0000-7000-8000-00000000000g"}) {
    EXPECT_ERROR(store_->get_project(bad), ErrorKind::Invalid);
    EXPECT_ERROR(store_->delete_owner(bad), ErrorKind::Invalid);
  }
}

TEST_P(StoreTest, InvalidInputIsRefusedBeforeTheDatabase) {
  EXPECT_ERROR(store_->create_project({"", "rocket", "https://a.example/1", "s"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_project({"acme", "", "https://a.example/1", "s"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_project({"acme", "rocket", "", "s"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_project({"acme", std::string(256, 'n'), "https://a.example/1", "s"}),
               ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_owner(""), ErrorKind::Invalid);
  EXPECT_ERROR(store_->list_projects({.limit = 0}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->list_projects({.after = "nope"}), ErrorKind::Invalid);
  EXPECT_EQ(database_->scalar(kCountOwners), 0);
}

TEST_P(StoreTest, NamesAreCaseSensitiveAndKeepUnicode) {
  create("acme", "Rocket", "https://a.example/1");
  Project lower = create("acme", "rocket", "https://a.example/2");
  Project unicode = create("ächme", "raketé 🚀", "https://a.example/3");
  auto got = store_->get_project(unicode.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->owner_name, "ächme");
  EXPECT_EQ(got->name, "raketé 🚀");
  EXPECT_EQ(store_->get_project(lower.id)->name, "rocket");
}

TEST_P(StoreTest, ProjectsPageInCreationOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(create(i % 2 ? "odd" : "even", "p" + std::to_string(i)).id);

  std::vector<std::string> seen;
  PageRequest request{.limit = 3};
  std::vector<std::size_t> sizes;
  for (;;) {
    auto page = store_->list_projects(request);
    ASSERT_OK(page);
    sizes.push_back(page->items.size());
    for (auto& project : page->items) seen.push_back(project.id);
    if (page->next.empty()) break;
    request.after = page->next;
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 1}));

  auto exact = store_->list_projects({.limit = 7});
  ASSERT_OK(exact);
  EXPECT_EQ(exact->items.size(), 7u);
  EXPECT_TRUE(exact->next.empty());  // no empty page follows a full last page
}

TEST_P(StoreTest, ProjectsOfOneOwner) {
  for (int i = 0; i < 5; ++i) create(i % 2 ? "odd" : "even", "p" + std::to_string(i));
  auto odd = store_->find_owner("odd");
  ASSERT_OK(odd);
  auto first = store_->list_projects({.limit = 1}, odd->id);
  ASSERT_OK(first);
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_EQ(first->items[0].name, "p1");
  auto rest = store_->list_projects({.after = first->next, .limit = 10}, odd->id);
  ASSERT_OK(rest);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].name, "p3");
  EXPECT_TRUE(rest->next.empty());
}

TEST_P(StoreTest, OwnersCreateRenameListDelete) {
  auto acme = store_->create_owner("acme");
  ASSERT_OK(acme);
  EXPECT_ERROR(store_->create_owner("acme"), ErrorKind::Conflict);
  auto globex = store_->create_owner("globex");
  ASSERT_OK(globex);

  auto renamed = store_->rename_owner(acme->id, "acme-corp");
  ASSERT_OK(renamed);
  EXPECT_EQ(renamed->name, "acme-corp");
  EXPECT_EQ(renamed->created_at, acme->created_at);
  EXPECT_ERROR(store_->rename_owner(acme->id, "globex"), ErrorKind::Conflict);
  EXPECT_EQ(store_->get_owner(acme->id)->name, "acme-corp");

  auto page = store_->list_owners({.limit = 10});
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, acme->id);
  EXPECT_EQ(page->items[1].id, globex->id);

  ASSERT_OK(store_->delete_owner(globex->id));
  EXPECT_ERROR(store_->get_owner(globex->id), ErrorKind::NotFound);
}

TEST_P(StoreTest, OwnerWithProjectsCannotBeDeleted) {
  Project project = create("acme", "rocket");
  auto refused = store_->delete_owner(project.owner_id);
  EXPECT_ERROR(refused, ErrorKind::Conflict);
  EXPECT_NE(refused.error().message.find("projects"), std::string::npos);
  EXPECT_TRUE(store_->get_project(project.id).ok());
  ASSERT_OK(store_->delete_project(project.id));
  ASSERT_OK(store_->delete_owner(project.owner_id));
}

TEST_P(StoreTest, TokensStoreOnlyTheHashAndVerify) {
  auto created = store_->create_token("ci bot");
  ASSERT_OK(created);
  const std::string& secret = created->secret;
  EXPECT_TRUE(secret.starts_with("fct_"));
  EXPECT_EQ(database_->scalar(kCountTokensWithHash, {sha256_hex(secret)}), 1);
  EXPECT_EQ(database_->scalar(kCountTokensWithSecret, {secret, secret}), 0);

  auto verified = store_->verify_token(secret);
  ASSERT_OK(verified);
  EXPECT_EQ(verified->id, created->token.id);
  EXPECT_EQ(verified->name, "ci bot");
  ASSERT_TRUE(verified->last_used_at.has_value());

  auto listed = store_->list_tokens();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].last_used_at, verified->last_used_at);
  EXPECT_FALSE((*listed)[0].revoked_at.has_value());

  EXPECT_ERROR(store_->verify_token(secret + "x"), ErrorKind::NotFound);
  EXPECT_ERROR(store_->verify_token(""), ErrorKind::NotFound);
}

TEST_P(StoreTest, WorkflowTokensCarryTheirScopeAndGoWithTheWorkflow) {
  auto project = store_->create_project({"acme", "rocket", "https://github.com/acme/rocket", "s"});
  ASSERT_OK(project);
  auto workflow = store_->enqueue_workflow(project->id, "d1", core::Event{.name = "push", .branch = "main"});
  ASSERT_OK(workflow);
  auto pool = store_->create_token("pool agent", TokenScope::Agent);
  auto scoped = store_->create_token("local agent", TokenScope::Agent, workflow->id);
  ASSERT_OK(pool);
  ASSERT_OK(scoped);
  EXPECT_ERROR(store_->create_token("admin", TokenScope::Admin, workflow->id), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_token("agent", TokenScope::Agent, "not-an-id"), ErrorKind::Invalid);

  auto verified = store_->verify_token(scoped->secret);
  ASSERT_OK(verified);
  EXPECT_EQ(verified->scope, TokenScope::Agent);
  EXPECT_EQ(verified->workflow_id, workflow->id);
  auto listed = store_->list_tokens();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);  // the workflow's token is not one people manage
  EXPECT_EQ((*listed)[0].scope, TokenScope::Agent);
  EXPECT_TRUE((*listed)[0].workflow_id.empty());

  ASSERT_OK(store_->delete_workflow_tokens(workflow->id));
  EXPECT_ERROR(store_->verify_token(scoped->secret), ErrorKind::NotFound);
  EXPECT_TRUE(store_->verify_token(pool->secret).ok());
}

TEST_P(StoreTest, RevokedTokensFailVerification) {
  auto kept = store_->create_token("kept");
  auto revoked = store_->create_token("revoked");
  ASSERT_OK(kept);
  ASSERT_OK(revoked);
  EXPECT_NE(kept->secret, revoked->secret);
  ASSERT_OK(store_->revoke_token(revoked->token.id));
  ASSERT_OK(store_->revoke_token(revoked->token.id));  // again: still revoked, no error

  EXPECT_ERROR(store_->verify_token(revoked->secret), ErrorKind::NotFound);
  EXPECT_TRUE(store_->verify_token(kept->secret).ok());
  auto listed = store_->list_tokens();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_FALSE((*listed)[0].revoked_at.has_value());
  EXPECT_TRUE((*listed)[1].revoked_at.has_value());
}

TEST_P(StoreTest, ManyThreadsShareOneStore) {
  constexpr int kThreads = 6, kEach = 15;  // more threads than pooled connections
  store_.reset();
  auto opened = open(database_->url(), {.pool_size = 3});
  ASSERT_OK(opened);
  Store& shared = **opened;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string name = "p" + std::to_string(t) + "-" + std::to_string(i);
        auto created = shared.create_project({"shared-owner", name, "https://a.example/" + name, "s"});
        if (!created || !shared.get_project(created->id).ok()) {
          if (!created) ADD_FAILURE() << created.error().message;
          ++failures;
        }
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(database_->scalar(kCountProjects), kThreads * kEach);
  EXPECT_EQ(database_->scalar(kCountOwners), 1);
}

TEST_P(StoreTest, ReconnectsAfterTheServerDropsTheSession) {
  if (std::string_view(GetParam()) == "sqlite") GTEST_SKIP() << "a file has no session to drop";
  Project project = create("acme", "rocket");
  for (int round = 0; round < 2; ++round) {
    database_->kill_sessions();
    auto got = store_->get_project(project.id);
    ASSERT_OK(got);
    EXPECT_EQ(got->name, "rocket");
  }
  database_->kill_sessions();
  Project after = create("acme", "sled");  // a write transaction on a fresh connection
  EXPECT_TRUE(store_->get_project(after.id).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
