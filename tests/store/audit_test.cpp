// The audit log, on every backend (see store_fixture.h).
#include <gtest/gtest.h>

#include <thread>

#include "core/uuid.h"
#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

const Query kCountEntries{"SELECT COUNT(*) FROM audit_log"};

class AuditTest : public ProjectStoreTest {
 protected:
  AuditEntry record(std::string actor, std::string action, std::string project_id = {}, std::string detail = {}) {
    auto recorded = store_->record_audit_entry({.actor = std::move(actor),
                                                .action = std::move(action),
                                                .project_id = std::move(project_id),
                                                .detail = std::move(detail),
                                                .address = "192.0.2.7"});
    EXPECT_TRUE(recorded.ok()) << recorded.error().message;
    return recorded.ok() ? *recorded : AuditEntry{};
  }

  // The ids a filter lists, newest first, gathered page by page.
  std::vector<std::string> listed(const AuditFilter& filter, int limit = 2) {
    std::vector<std::string> ids;
    PageRequest page{.limit = limit};
    for (int pages = 0; pages < 20; ++pages) {
      auto found = store_->list_audit_entries(filter, page);
      EXPECT_TRUE(found.ok()) << found.error().message;
      if (!found.ok()) break;
      for (const auto& entry : found->items) ids.push_back(entry.id);
      if (found->next.empty()) break;
      page.after = found->next;
    }
    return ids;
  }
};

TEST_P(AuditTest, AnEntryIsRecordedWithItsTimeAndReadBackWhole) {
  const auto user = store_->sign_in_user({.id = 583231, .login = "octocat", .name = "The Octocat"});
  ASSERT_OK(user);
  const Timestamp before = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto recorded = store_->record_audit_entry({.actor = "octocat",
                                              .user_id = user->id,
                                              .action = "secret.set",
                                              .project_id = project_.id,
                                              .detail = "secret NPM_TOKEN (created)",
                                              .address = "2001:db8::1"});
  ASSERT_OK(recorded);
  EXPECT_EQ(core::Uuid::parse(recorded->id)->version(), 7);
  EXPECT_GE(recorded->at, before);

  auto page = store_->list_audit_entries({}, {});
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  const AuditEntry& entry = page->items[0];
  EXPECT_EQ(entry.id, recorded->id);
  EXPECT_EQ(entry.at, recorded->at);
  EXPECT_EQ(entry.actor, "octocat");
  EXPECT_EQ(entry.user_id, user->id);
  EXPECT_EQ(entry.action, "secret.set");
  EXPECT_EQ(entry.project_id, project_.id);
  EXPECT_EQ(entry.detail, "secret NPM_TOKEN (created)");
  EXPECT_EQ(entry.address, "2001:db8::1");
  EXPECT_TRUE(page->next.empty());
}

// Entries outlive what they name: the deletion of a project is itself one.
TEST_P(AuditTest, EntriesOfADeletedProjectStay) {
  record("admin token ci", "project.delete", project_.id, "acme/rocket");
  ASSERT_OK(store_->delete_project(project_.id));
  EXPECT_EQ(listed({.project_id = project_.id}).size(), 1u);
}

TEST_P(AuditTest, ListsPageNewestFirstAndFilterByProjectActorAndAction) {
  const Project other = create("acme", "probe");
  const AuditEntry e1 = record("alice", "project.update", project_.id);
  const AuditEntry e2 = record("bob", "workflow.trigger", project_.id);
  const AuditEntry e3 = record("alice", "workflow.trigger", other.id);
  const AuditEntry e4 = record("alice", "owner.create");
  const AuditEntry e5 = record("alice", "workflow.trigger", project_.id);

  EXPECT_EQ(listed({}), (std::vector{e5.id, e4.id, e3.id, e2.id, e1.id}));
  EXPECT_EQ(listed({}, 1000), (std::vector{e5.id, e4.id, e3.id, e2.id, e1.id}));
  EXPECT_EQ(listed({.project_id = project_.id}), (std::vector{e5.id, e2.id, e1.id}));
  EXPECT_EQ(listed({.actor = "alice"}), (std::vector{e5.id, e4.id, e3.id, e1.id}));
  EXPECT_EQ(listed({.action = "workflow.trigger"}), (std::vector{e5.id, e3.id, e2.id}));
  EXPECT_EQ(listed({.project_id = project_.id, .actor = "alice"}), (std::vector{e5.id, e1.id}));
  EXPECT_EQ(listed({.actor = "alice", .action = "workflow.trigger"}), (std::vector{e5.id, e3.id}));
  EXPECT_EQ(listed({.project_id = other.id, .actor = "alice", .action = "workflow.trigger"}),
            std::vector{e3.id});
  EXPECT_TRUE(listed({.actor = "Alice"}).empty()) << "actors compare case-sensitively";
  EXPECT_TRUE(listed({.project_id = "01900000-0000-7000-8000-000000000000"}).empty());

  EXPECT_ERROR(store_->list_audit_entries({.project_id = "rocket"}, {}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->list_audit_entries({}, {.after = "nope"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->list_audit_entries({}, {.limit = 0}), ErrorKind::Invalid);
}

TEST_P(AuditTest, InvalidEntriesAreRefusedAndLongDetailsCut) {
  EXPECT_ERROR(store_->record_audit_entry({.action = "project.create"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->record_audit_entry({.actor = "alice"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->record_audit_entry({.actor = std::string(301, 'a'), .action = "x"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->record_audit_entry({.actor = "alice", .action = std::string(65, 'a')}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->record_audit_entry({.actor = "alice", .user_id = "42", .action = "x"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->record_audit_entry({.actor = "alice", .action = "x", .project_id = "p"}), ErrorKind::Invalid);
  EXPECT_EQ(database_->scalar(kCountEntries), 0);

  const AuditEntry long_one = record(std::string(300, 'a'), "project.update", project_.id, std::string(10'000, 'd'));
  auto page = store_->list_audit_entries({}, {});
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].actor.size(), 300u);
  EXPECT_EQ(page->items[0].detail.size(), 4096u);
}

// Pruning takes the oldest entries first, a batch at a time, and never one
// made at or after the cut-off.
TEST_P(AuditTest, PruningDeletesOnlyOlderEntriesABatchAtATime) {
  std::vector<AuditEntry> old;
  for (int i = 0; i < 5; ++i) old.push_back(record("alice", "workflow.trigger", project_.id));
  std::this_thread::sleep_for(5ms);
  const Timestamp cut = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::this_thread::sleep_for(5ms);
  const AuditEntry kept1 = record("bob", "workflow.cancel", project_.id);
  const AuditEntry kept2 = record("bob", "project.update", project_.id);
  ASSERT_LT(old.back().at, cut);
  ASSERT_GE(kept1.at, cut);

  auto pruned = store_->prune_audit_entries(cut, 2);
  ASSERT_OK(pruned);
  EXPECT_EQ(*pruned, 2);
  EXPECT_EQ(listed({}, 1000), (std::vector{kept2.id, kept1.id, old[4].id, old[3].id, old[2].id}));
  EXPECT_EQ(*store_->prune_audit_entries(cut, 2), 2);
  EXPECT_EQ(*store_->prune_audit_entries(cut, 2), 1);
  EXPECT_EQ(*store_->prune_audit_entries(cut, 2), 0);
  EXPECT_EQ(listed({}, 1000), (std::vector{kept2.id, kept1.id}));
  EXPECT_EQ(*store_->prune_audit_entries(kept1.at, 100), 0) << "an entry made at the cut-off stays";

  EXPECT_ERROR(store_->prune_audit_entries(cut, 0), ErrorKind::Invalid);
  EXPECT_ERROR(store_->prune_audit_entries(cut, 10'001), ErrorKind::Invalid);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
