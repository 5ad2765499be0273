#include "store/database_url.h"

#include <gtest/gtest.h>

#include "store/store.h"

namespace store {
namespace {

TEST(DatabaseUrl, SqlitePathForms) {
  auto relative = parse_database_url("sqlite:data/factory.db");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->backend, Backend::Sqlite);
  EXPECT_EQ(relative->path, "data/factory.db");
  auto absolute = parse_database_url("sqlite:///var/lib/factory/factory.db");
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->path, "/var/lib/factory/factory.db");
  EXPECT_FALSE(parse_database_url("sqlite:").ok());
}

TEST(DatabaseUrl, MysqlWithEverything) {
  auto url = parse_database_url("mysql://ci:p%40ss%3Aword@db.internal:3307/factory");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->backend, Backend::MariaDb);
  EXPECT_EQ(url->user, "ci");
  EXPECT_EQ(url->password, "p@ss:word");
  EXPECT_EQ(url->host, "db.internal");
  EXPECT_EQ(url->port, 3307u);
  EXPECT_EQ(url->database, "factory");
}

TEST(DatabaseUrl, MariadbSchemeAndDefaults) {
  auto url = parse_database_url("mariadb://root@/factory");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->backend, Backend::MariaDb);
  EXPECT_EQ(url->user, "root");
  EXPECT_EQ(url->password, "");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 0u);
}

TEST(DatabaseUrl, MysqlMistakes) {
  for (const char* bad : {"mysql://host:3306", "mysql://host:3306/", "mysql://host:99999/db", "mysql://host:x/db",
                          "mysql://u:%zz@host/db", "mysql://u:%4@host/db"}) {
    auto url = parse_database_url(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().kind, ErrorKind::Invalid) << bad;
  }
}

TEST(DatabaseUrl, PostgresUrlsGoToLibpqAsGiven) {
  for (const char* text : {"postgres://ci@127.0.0.1:5432/factory", "postgresql://ci:pw@db/factory?sslmode=require"}) {
    auto url = parse_database_url(text);
    ASSERT_TRUE(url.ok()) << text;
    EXPECT_EQ(url->backend, Backend::Postgres);
    EXPECT_EQ(url->text, text);
  }
}

TEST(DatabaseUrl, UnknownSchemesAreRefusedClearly) {
  for (const char* bad : {"", "factory.db", "redis://localhost/0", "sqlite3:x.db", "file:x.db"}) {
    auto url = parse_database_url(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().kind, ErrorKind::Invalid);
    EXPECT_NE(url.error().message.find("use sqlite:PATH"), std::string::npos) << url.error().message;
  }
  auto opened = open("redis://localhost/0");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().kind, ErrorKind::Invalid);
}

TEST(DatabaseUrl, UnreachableServersAreUnavailable) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  auto mysql = open("mysql://root@127.0.0.1:1/factory");
  ASSERT_FALSE(mysql.ok());
  EXPECT_EQ(mysql.error().kind, ErrorKind::Unavailable) << mysql.error().message;
  auto postgres = open("postgres://ci@127.0.0.1:1/factory?connect_timeout=5");
  ASSERT_FALSE(postgres.ok());
  EXPECT_EQ(postgres.error().kind, ErrorKind::Unavailable) << postgres.error().message;
  auto sqlite = open("sqlite:/nonexistent-directory/factory.db");
  ASSERT_FALSE(sqlite.ok());
  EXPECT_EQ(sqlite.error().kind, ErrorKind::Unavailable) << sqlite.error().message;
}

}  // namespace
}  // namespace store
