#include "test_database.h"

#include <gtest/gtest.h>
#include <sys/random.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace store::testing {

namespace {

std::string random_suffix() {
  unsigned char bytes[6];
  if (getrandom(bytes, sizeof bytes, 0) != sizeof bytes) throw std::runtime_error("getrandom failed");
  std::string out;
  for (unsigned char b : bytes) {
    out += "0123456789abcdef"[b >> 4];
    out += "0123456789abcdef"[b & 0xf];
  }
  return out;
}

std::unique_ptr<Connection> must_connect(const std::string& url) {
  auto parsed = parse_database_url(url);
  if (!parsed) throw std::runtime_error(parsed.error().message);
  auto connection = connect(*parsed);
  if (!connection) throw std::runtime_error("cannot connect to " + url + ": " + connection.error().message);
  return std::move(*connection);
}

void must_run(Connection& connection, const std::string& sql) {
  if (auto status = connection.run(sql); !status) throw std::runtime_error(sql + ": " + status.error().message);
}

// The same server URL with another database name in its path.
std::string with_database(const std::string& server_url, const std::string& name) {
  return server_url.substr(0, server_url.rfind('/') + 1) + name;
}

const Query kMariaDbSessions{
    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()"};
const Query kPostgresSessions{
    "SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"};

}  // namespace

bool databases_required() {
  const char* required = std::getenv("FACTORY_TEST_REQUIRE_DATABASES");
  return required && std::string_view(required) == "1";
}

std::unique_ptr<TestDatabase> TestDatabase::create(std::string_view backend, std::string& why) {
  std::string name = "factory_t_" + random_suffix();
  if (backend == "sqlite") {
    auto dir = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(dir);
    return std::unique_ptr<TestDatabase>(
        new TestDatabase(Backend::Sqlite, dir.string(), "sqlite:" + (dir / "factory.db").string(), {}));
  }
  const char* variable = backend == "mysql" ? "FACTORY_TEST_MYSQL_URL" : "FACTORY_TEST_POSTGRES_URL";
  const char* server_url = std::getenv(variable);
  if (!server_url || !*server_url) {
    why = std::string(variable) + " is not set (scripts/test-databases.sh start sets it)";
    return nullptr;
  }
  Backend kind = backend == "mysql" ? Backend::MariaDb : Backend::Postgres;
  return std::unique_ptr<TestDatabase>(new TestDatabase(kind, name, with_database(server_url, name), server_url));
}

TestDatabase::TestDatabase(Backend backend, std::string name, std::string url, std::string server_url)
    : backend_(backend), name_(std::move(name)), url_(std::move(url)), server_url_(std::move(server_url)) {
  if (backend_ == Backend::Sqlite) return;
  admin_ = must_connect(server_url_);
  must_run(*admin_, "CREATE DATABASE " + name_);
}

TestDatabase::~TestDatabase() {
  direct_.reset();
  if (backend_ == Backend::Sqlite) {
    std::filesystem::remove_all(name_);
    return;
  }
  std::string drop = "DROP DATABASE " + name_;
  if (backend_ == Backend::Postgres) drop += " WITH (FORCE)";
  if (admin_->broken()) (void)admin_->reconnect();
  if (auto status = admin_->run(drop); !status) ADD_FAILURE() << drop << ": " << status.error().message;
}

Connection& TestDatabase::direct() {
  if (!direct_) direct_ = must_connect(url_);
  return *direct_;
}

std::int64_t TestDatabase::scalar(const Query& query, std::initializer_list<Param> params) {
  std::int64_t value = -1;
  auto done = direct().execute(query, params, [&](const Row& row) { value = row.integer(0); });
  if (!done) throw std::runtime_error(done.error().message);
  return value;
}

void TestDatabase::kill_sessions() {
  if (backend_ == Backend::Sqlite) return;
  const Query& sessions = backend_ == Backend::MariaDb ? kMariaDbSessions : kPostgresSessions;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::vector<std::string> ids;
    auto listed = admin_->execute(sessions, {name_}, [&](const Row& row) { ids.emplace_back(row.text(0)); });
    if (!listed) throw std::runtime_error(listed.error().message);
    if (ids.empty()) return;
    for (const std::string& id : ids)  // ids are numbers the server just gave us
      (void)admin_->run(backend_ == Backend::MariaDb ? "KILL " + id : "SELECT pg_terminate_backend(" + id + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("sessions on " + name_ + " did not end");
}

}  // namespace store::testing
