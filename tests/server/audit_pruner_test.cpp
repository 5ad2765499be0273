// The audit log's pruner on a real SQLite store: it deletes what is older
// than the retention, in batches, and stops at once when destroyed.
#include "server/audit_pruner.h"

#include <gtest/gtest.h>

#include <thread>

#include "../temp_dir.h"

namespace server {
namespace {

using namespace std::chrono_literals;

class AuditPrunerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open("sqlite:" + (directory_.path() / "factory.db").string());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  void record(int count) {
    for (int i = 0; i < count; ++i)
      ASSERT_TRUE(store_->record_audit_entry({.actor = "alice", .action = "workflow.trigger"}));
  }

  std::size_t entries() { return store_->list_audit_entries({}, {.limit = 1000})->items.size(); }

  testpaths::TempDir directory_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(AuditPrunerTest, EntriesOlderThanTheRetentionGoAtStartInBatches) {
  record(7);
  std::this_thread::sleep_for(1100ms);
  record(2);  // newer than the retention
  {
    AuditPruner pruner{*store_, {.retention = 1s, .interval = 1h, .batch = 3, .pause = 1ms}};
    for (int i = 0; i < 500 && entries() > 2; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(entries(), 2u);
  }
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(entries(), 2u) << "stopped: nothing pruned after the pruner is gone";
}

TEST_F(AuditPrunerTest, StopsAtOnceMidPass) {
  record(5);
  std::this_thread::sleep_for(20ms);
  const auto started = std::chrono::steady_clock::now();
  {
    AuditPruner pruner{*store_, {.retention = 10ms, .interval = 1h, .batch = 1, .pause = 1h}};
    for (int i = 0; i < 500 && entries() == 5; ++i) std::this_thread::sleep_for(10ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(entries(), 4u) << "one batch, then the pause was cut short";
}

TEST_F(AuditPrunerTest, AFailureIsReported) {
  std::mutex mutex;
  std::vector<std::string> warnings;
  AuditPruner pruner{*store_, {.retention = 1h, .interval = 1h, .batch = 0, .warn = [&](const std::string& message) {
                                 std::lock_guard lock{mutex};
                                 warnings.push_back(message);
                               }}};
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock{mutex};
      if (!warnings.empty()) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::lock_guard lock{mutex};
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("pruning the audit log failed"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace server
