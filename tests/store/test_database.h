// A fresh, empty database for one test, on one backend:
//   "sqlite"    a file in a new temporary directory
//   "mysql"     a new database on the server of FACTORY_TEST_MYSQL_URL
//   "postgres"  a new database on the server of FACTORY_TEST_POSTGRES_URL
// Each gets a random name, so tests run in parallel without meeting; the
// destructor drops it. scripts/test-databases.sh starts the servers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "store/connection.h"
#include "store/store.h"

namespace store::testing {

class TestDatabase {
 public:
  // Null when the backend's server URL is not set; `why` then says so.
  static std::unique_ptr<TestDatabase> create(std::string_view backend, std::string& why);
  ~TestDatabase();

  const std::string& url() const { return url_; }

  // A direct connection to the test database, for checks beneath the Store.
  Connection& direct();
  // The integer in the first column of the query's first row.
  std::int64_t scalar(const Query& query, std::initializer_list<Param> params = {});

  // Ends every session on the test database from the server side, as a
  // server restart or a network cut would, and waits until they are gone.
  void kill_sessions();

 private:
  TestDatabase(Backend backend, std::string name, std::string url, std::string server_url);

  Backend backend_;
  std::string name_;
  std::string url_;
  std::string server_url_;  // the database the admin connection uses
  std::unique_ptr<Connection> admin_;
  std::unique_ptr<Connection> direct_;
};

// A secrets key whose bytes count up from `first`: distinct seeds, distinct keys.
inline SecretsKey test_secrets_key(unsigned char first = 1) {
  SecretsKey key;
  for (unsigned char& byte : key) byte = first++;
  return key;
}

// The values of a project's secrets by name; empty when they cannot be read
// (the test's own checks then fail).
inline core::Env secret_values(Store& store, std::string_view project_id) {
  core::Env values;
  auto secrets = store.project_secrets(project_id);
  if (secrets)
    for (const ProjectSecret& secret : *secrets) values.emplace(secret.name, secret.value);
  return values;
}

// True when FACTORY_TEST_REQUIRE_DATABASES=1: a missing server is a failure.
bool databases_required();

}  // namespace store::testing

// In a test body or SetUp: `target` = a fresh database on `backend`, or the
// test ends there, failed where the databases are required and skipped
// elsewhere (a macro, because only the test's own function can end it).
#define FACTORY_CREATE_TEST_DATABASE(target, backend)                                    \
  do {                                                                                   \
    std::string why_missing;                                                             \
    (target) = ::store::testing::TestDatabase::create((backend), why_missing);           \
    if (!(target)) {                                                                     \
      if (::store::testing::databases_required()) FAIL() << why_missing;                 \
      GTEST_SKIP() << why_missing;                                                       \
    }                                                                                    \
  } while (false)
