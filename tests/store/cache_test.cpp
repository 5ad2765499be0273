// Cache entries, artifacts and blob pins, on every backend (see store_fixture.h).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "blobs/sha256.h"
#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

Timestamp at(std::int64_t seconds) { return Timestamp{std::chrono::seconds{seconds}}; }

std::string digest_of(const std::string& text) { return blobs::sha256_hex(text); }

class CacheTest : public ProjectStoreTest {
 protected:
  CacheEntry entry(std::string scope, std::string key, std::int64_t size = 100, std::string digest = {}) {
    CacheEntry entry;
    entry.project_id = project_.id;
    entry.scope = std::move(scope);
    entry.name = "npm";
    entry.digest = digest.empty() ? digest_of(entry.scope + "/" + key) : std::move(digest);
    entry.key = std::move(key);
    entry.size = size;
    return entry;
  }

  CacheEntry commit(CacheEntry request, Timestamp now) {
    auto committed = store_->commit_cache_entry(request, now);
    EXPECT_TRUE(committed.ok()) << committed.error().message;
    return committed.ok() ? committed->entry : CacheEntry{};
  }

  std::optional<CacheHit> find(std::vector<std::string> scopes, std::string key,
                               std::vector<std::string> restore_keys = {}, Timestamp now = at(1'000'000)) {
    auto found = store_->find_cache_entry({project_.id, std::move(scopes), std::move(key), std::move(restore_keys)}, now);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : std::nullopt;
  }

  // A running workflow of the project with one execution; its id and the execution's.
  std::pair<std::string, std::string> workflow_with_execution() {
    core::Event event;
    event.name = "push";
    event.branch = "main";
    auto enqueued = store_->enqueue_workflow(project_.id, {}, event);
    EXPECT_TRUE(enqueued.ok());
    core::Plan plan;
    plan.pipelines.push_back({.name = "build", .stages = {{"compile", {{.name = "gcc"}}}}});
    auto tree = store_->record_plan(enqueued->id, plan);
    EXPECT_TRUE(tree.ok()) << tree.error().message;
    return {enqueued->id, tree->pipelines[0].stages[0].executions[0].id};
  }

  Artifact artifact(const std::string& workflow, const std::string& execution, std::string path,
                    std::int64_t size = 10) {
    Artifact artifact;
    artifact.workflow_id = workflow;
    artifact.execution_id = execution;
    artifact.digest = digest_of(path);
    artifact.path = std::move(path);
    artifact.size = size;
    return artifact;
  }
};

TEST_P(CacheTest, ExactKeyHitsInTheFirstScopeThatHasIt) {
  commit(entry("main", "npm-abc"), at(10));
  commit(entry("feature", "npm-abc"), at(20));
  auto hit = find({"feature", "main"}, "npm-abc");
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->exact);
  EXPECT_EQ(hit->entry.scope, "feature");
  hit = find({"other", "main"}, "npm-abc");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->entry.scope, "main");
  EXPECT_FALSE(find({"other"}, "npm-abc"));
}

TEST_P(CacheTest, RestoreKeysFindTheNewestEntryWithThePrefixScopesInOrder) {
  commit(entry("main", "npm-old"), at(10));
  commit(entry("main", "npm-new"), at(20));
  commit(entry("main", "pip-newest"), at(30));
  commit(entry("feature", "npm-branch"), at(5));
  // Exact misses; "npm-" finds the branch's own before main's newer ones.
  auto hit = find({"feature", "main"}, "npm-xyz", {"npm-"});
  ASSERT_TRUE(hit);
  EXPECT_FALSE(hit->exact);
  EXPECT_EQ(hit->entry.key, "npm-branch");
  hit = find({"main"}, "npm-xyz", {"yarn-", "npm-"});
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->entry.key, "npm-new");
  // A prefix is a prefix: "%" and "_" are no wildcards, and a UTF-8 prefix counts characters.
  commit(entry("main", "ünï-1"), at(40));
  EXPECT_FALSE(find({"main"}, "x", {"n%"}));
  EXPECT_FALSE(find({"main"}, "x", {"npm_"}));
  hit = find({"main"}, "x", {"ünï-"});
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->entry.key, "ünï-1");
}

TEST_P(CacheTest, AHitIsUsedNow) {
  commit(entry("main", "k"), at(10));
  find({"main"}, "k", {}, at(99));
  auto entries = store_->list_cache_entries(project_.id);
  ASSERT_OK(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].last_used_at, at(99));
  EXPECT_EQ((*entries)[0].created_at, at(10));
}

TEST_P(CacheTest, ACommitOfAKeyTakenAnswersExistsAndKeepsTheFirst) {
  const CacheEntry first = commit(entry("main", "k", 100, digest_of("first")), at(10));
  auto second = store_->commit_cache_entry(entry("main", "k", 200, digest_of("second")), at(20));
  ASSERT_OK(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->entry.id, first.id);
  EXPECT_EQ(second->entry.digest, digest_of("first"));
}

TEST_P(CacheTest, TwoCommitsOfOneKeyAtOnceLeaveOneEntry) {
  constexpr int kWriters = 6;
  std::atomic<int> created{0};
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      auto committed = store_->commit_cache_entry(entry("main", "same", 100, digest_of(std::to_string(i))), at(10));
      if (committed && committed->created) ++created;
      std::lock_guard lock{mutex};
      if (!committed) errors.push_back(committed.error().message);
    });
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(errors, std::vector<std::string>{});
  EXPECT_EQ(created, 1);
  EXPECT_EQ(store_->list_cache_entries(project_.id)->size(), 1u);
}

TEST_P(CacheTest, EvictionDropsTheLeastRecentlyUsedBeyondTheLimit) {
  ASSERT_OK(store_->update_project(project_.id, {.cache_limit_bytes = 250}));
  commit(entry("main", "a"), at(10));
  commit(entry("main", "b"), at(20));
  find({"main"}, "a", {}, at(30));  // a is used after b
  auto third = store_->commit_cache_entry(entry("main", "c"), at(40));
  ASSERT_OK(third);
  EXPECT_EQ(third->evicted, 1);
  auto entries = store_->list_cache_entries(project_.id);
  ASSERT_OK(entries);
  std::vector<std::string> keys;
  for (const auto& each : *entries) keys.push_back(each.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "c"}));
  // One entry larger than the whole limit is refused, and changes nothing.
  EXPECT_ERROR(store_->commit_cache_entry(entry("main", "huge", 251), at(50)), ErrorKind::Invalid);
  EXPECT_EQ(store_->list_cache_entries(project_.id)->size(), 2u);
}

TEST_P(CacheTest, BadKeysScopesAndDigestsAreRefused) {
  EXPECT_ERROR(store_->commit_cache_entry(entry("main", ""), at(1)), ErrorKind::Invalid);
  EXPECT_ERROR(store_->commit_cache_entry(entry("main", std::string(401, 'k')), at(1)), ErrorKind::Invalid);
  EXPECT_ERROR(store_->commit_cache_entry(entry("main", "tab\there"), at(1)), ErrorKind::Invalid);
  EXPECT_ERROR(store_->commit_cache_entry(entry("main", "bad\xff"), at(1)), ErrorKind::Invalid);
  EXPECT_ERROR(store_->commit_cache_entry(entry("", "k"), at(1)), ErrorKind::Invalid);
  EXPECT_ERROR(store_->commit_cache_entry(entry("main", "k", 1, "ABC"), at(1)), ErrorKind::Invalid);
  EXPECT_ERROR(store_->find_cache_entry({project_.id, {}, "k", {}}, at(1)), ErrorKind::Invalid);
  EXPECT_TRUE(store_->list_cache_entries(project_.id)->empty());
}

TEST_P(CacheTest, EntriesAreDeletedOneOrAllWithinTheirProject) {
  const Project other = create("acme", "other");
  const CacheEntry mine = commit(entry("main", "a"), at(10));
  commit(entry("main", "b"), at(10));
  EXPECT_ERROR(store_->delete_cache_entry(other.id, mine.id), ErrorKind::NotFound);
  ASSERT_OK(store_->delete_cache_entry(project_.id, mine.id));
  EXPECT_ERROR(store_->delete_cache_entry(project_.id, mine.id), ErrorKind::NotFound);
  auto deleted = store_->delete_cache_entries(project_.id);
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 1);
  EXPECT_TRUE(store_->list_cache_entries(project_.id)->empty());
}

TEST_P(CacheTest, ProjectSettingsHaveDefaultsAndBounds) {
  EXPECT_EQ(project_.cache_limit_bytes, std::int64_t{10} << 30);
  EXPECT_EQ(project_.artifact_retention_days, 30);
  EXPECT_EQ(project_.default_branch, "main");
  auto updated = store_->update_project(
      project_.id, {.cache_limit_bytes = 1 << 20, .artifact_retention_days = 7, .default_branch = "trunk"});
  ASSERT_OK(updated);
  EXPECT_EQ(updated->cache_limit_bytes, 1 << 20);
  EXPECT_EQ(updated->artifact_retention_days, 7);
  EXPECT_EQ(updated->default_branch, "trunk");
  EXPECT_ERROR(store_->update_project(project_.id, {.cache_limit_bytes = -1}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->update_project(project_.id, {.artifact_retention_days = 0}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->update_project(project_.id, {.default_branch = "a..b"}), ErrorKind::Invalid);
  EXPECT_EQ(store_->get_project(project_.id)->default_branch, "trunk");
}

TEST_P(CacheTest, ArtifactsExpireAfterTheProjectsRetention) {
  ASSERT_OK(store_->update_project(project_.id, {.artifact_retention_days = 2}));
  const auto [workflow, execution] = workflow_with_execution();
  auto added = store_->add_artifact(artifact(workflow, execution, "dist/app.tar"), at(100));
  ASSERT_OK(added);
  EXPECT_EQ(added->expires_at, at(100) + std::chrono::days{2});
  // The same path again: the same artifact (a retried call); other contents: a conflict.
  auto again = store_->add_artifact(artifact(workflow, execution, "dist/app.tar"), at(200));
  ASSERT_OK(again);
  EXPECT_EQ(again->id, added->id);
  Artifact other = artifact(workflow, execution, "dist/app.tar");
  other.digest = digest_of("other");
  EXPECT_ERROR(store_->add_artifact(other, at(200)), ErrorKind::Conflict);
  ASSERT_OK(store_->add_artifact(artifact(workflow, execution, "report.xml"), at(100) + std::chrono::days{1}));
  EXPECT_EQ(store_->list_artifacts(workflow)->size(), 2u);
  auto of_execution = store_->list_execution_artifacts(execution);
  ASSERT_OK(of_execution);
  ASSERT_EQ(of_execution->size(), 2u);
  EXPECT_EQ((*of_execution)[0].path, "dist/app.tar");
  EXPECT_EQ((*of_execution)[1].path, "report.xml");
  const auto [other_workflow, other_execution] = workflow_with_execution();
  EXPECT_TRUE(store_->list_execution_artifacts(other_execution)->empty());

  auto expired = store_->delete_expired_artifacts(at(100) + std::chrono::days{2}, 500);
  ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1);
  auto left = store_->list_artifacts(workflow);
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].path, "report.xml");
}

TEST_P(CacheTest, AnArtifactNeedsAnExecutionOfItsWorkflow) {
  const auto [workflow, execution] = workflow_with_execution();
  const auto [other_workflow, other_execution] = workflow_with_execution();
  EXPECT_ERROR(store_->add_artifact(artifact(workflow, other_execution, "a"), at(1)), ErrorKind::NotFound);
  EXPECT_TRUE(store_->list_artifacts(workflow)->empty());
}

TEST_P(CacheTest, ABlobIsReadableThroughAnEntryInAScopeReadOrAnArtifactOfTheWorkflow) {
  const auto [workflow, execution] = workflow_with_execution();
  const auto [other_workflow, other_execution] = workflow_with_execution();
  const CacheEntry main = commit(entry("main", "k"), at(1));
  const std::vector<std::string> feature_then_main{"feature", "main"}, feature{"feature"};
  EXPECT_TRUE(*store_->blob_readable(main.digest, project_.id, feature_then_main, workflow));
  EXPECT_FALSE(*store_->blob_readable(main.digest, project_.id, feature, workflow));
  const Project other = create("acme", "other");
  EXPECT_FALSE(*store_->blob_readable(main.digest, other.id, feature_then_main, workflow));
  ASSERT_OK(store_->add_artifact(artifact(workflow, execution, "a"), at(1)));
  EXPECT_TRUE(*store_->blob_readable(digest_of("a"), project_.id, feature, workflow));
  EXPECT_FALSE(*store_->blob_readable(digest_of("a"), project_.id, feature, other_workflow));
}

TEST_P(CacheTest, ForgettingABlobDeletesWhatNamesIt) {
  const auto [workflow, execution] = workflow_with_execution();
  const std::string digest = digest_of("shared");
  commit(entry("main", "a", 10, digest), at(1));
  commit(entry("feature", "a", 10, digest), at(1));
  Artifact named = artifact(workflow, execution, "x");
  named.digest = digest;
  ASSERT_OK(store_->add_artifact(named, at(1)));
  auto forgotten = store_->forget_blob(digest);
  ASSERT_OK(forgotten);
  EXPECT_EQ(*forgotten, 3);
  EXPECT_TRUE(store_->list_cache_entries(project_.id)->empty());
  EXPECT_TRUE(store_->list_artifacts(workflow)->empty());
}

TEST_P(CacheTest, PruningRemovesOnlyBlobsNothingNamesNorPinnedLately) {
  const std::string named = digest_of("named"), pinned = digest_of("pinned"), unused = digest_of("unused");
  commit(entry("main", "a", 10, named), at(1));
  ASSERT_OK(store_->pin_blob(pinned, at(100)));
  std::vector<std::string> removed;
  auto prune = [&](const std::string& digest, Timestamp before) {
    auto pruned = store_->prune_blob(digest, before, [&] {
      removed.push_back(digest);
      return true;
    });
    EXPECT_TRUE(pruned.ok()) << pruned.error().message;
    return pruned.ok() && *pruned;
  };
  EXPECT_FALSE(prune(named, at(1000)));
  EXPECT_FALSE(prune(pinned, at(50)));   // pinned after `before`: an entry may be on the way
  EXPECT_TRUE(prune(pinned, at(1000)));  // a stale pin keeps nothing
  EXPECT_TRUE(prune(unused, at(1000)));
  EXPECT_EQ(removed, (std::vector<std::string>{pinned, unused}));
}

TEST_P(CacheTest, APinWaitsForAPruneUnderWay) {
  const std::string digest = digest_of("contested");
  std::atomic<bool> pinned{false};
  std::thread pinner;
  auto pruned = store_->prune_blob(digest, at(1000), [&] {
    pinner = std::thread{[&] {
      EXPECT_TRUE(store_->pin_blob(digest, at(2000)).ok());
      pinned = true;
    }};
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(pinned) << "the pin did not wait for the prune's transaction";
    return true;
  });
  ASSERT_OK(pruned);
  pinner.join();
  EXPECT_TRUE(pinned);
  // Pinned after the prune: the next prune keeps it.
  auto again = store_->prune_blob(digest, at(1000), [] { return true; });
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
