// SQLite connection settings that durability and the log's size rest on.
#include <gtest/gtest.h>

#include "../temp_dir.h"
#include "store/connection.h"
#include "store/database_url.h"
#include "store/wal_checkpointer.h"

namespace store {
namespace {

const Query kSynchronous{"PRAGMA synchronous"};
const Query kJournalSizeLimit{"PRAGMA journal_size_limit"};

std::int64_t read_setting(Connection& connection, const Query& pragma) {
  std::int64_t value = -1;
  auto done = connection.execute(pragma, {}, [&](const Row& row) { value = row.integer(0); });
  EXPECT_TRUE(done) << done.error().message;
  return value;
}

class SqliteConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = parse_database_url("sqlite:" + (dir_.path() / "factory.db").string());
    ASSERT_TRUE(url) << url.error().message;
    auto opened = connect(*url);
    ASSERT_TRUE(opened) << opened.error().message;
    connection_ = std::move(*opened);
  }

  testpaths::TempDir dir_{"factory-sqlite-connection"};
  std::unique_ptr<Connection> connection_;
};

constexpr std::int64_t kNormal = 1, kFull = 2;  // PRAGMA synchronous's answers

TEST_F(SqliteConnectionTest, CommitsWaitForTheDiskOnlyWhenAsked) {
  EXPECT_EQ(read_setting(*connection_, kSynchronous), kNormal);
  ASSERT_TRUE(connection_->sync_commits(true));
  EXPECT_EQ(read_setting(*connection_, kSynchronous), kFull);
  ASSERT_TRUE(connection_->sync_commits(false));
  EXPECT_EQ(read_setting(*connection_, kSynchronous), kNormal);
}

TEST_F(SqliteConnectionTest, TheLogIsCutBackToTheRestartSize) {
  EXPECT_EQ(read_setting(*connection_, kJournalSizeLimit), kWalRestartBytes);
}

}  // namespace
}  // namespace store
