#include "store/sqlite_connection.h"
#include "store/wal_checkpointer.h"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>

namespace store {

namespace {

constexpr int kBusyTimeoutMillis = 10000;

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* statement) : statement_(statement) {}
  bool is_null(int column) const override { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::string_view text(int column) const override {
    auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return data ? std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string_view();
  }
  std::int64_t integer(int column) const override { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3_stmt* statement_;
};

// Leaves a cached statement ready for its next use, however execute() ends.
struct ResetOnExit {
  sqlite3_stmt* statement;
  ~ResetOnExit() {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  }
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [query, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  Backend backend() const override { return Backend::Sqlite; }

  using Connection::execute;
  Result<std::int64_t> execute(const Query& query, std::span<const Param> params,
                               const RowHandler& on_row) override {
    auto statement = prepared(query);
    if (!statement) return statement.error();
    ResetOnExit reset{*statement};
    if (auto status = bind(*statement, params); !status) return status.error();
    SqliteRow row(*statement);
    for (;;) {
      int rc = sqlite3_step(*statement);
      if (rc == SQLITE_DONE) return static_cast<std::int64_t>(sqlite3_changes64(db_));
      if (rc != SQLITE_ROW) return error();
      if (on_row) on_row(row);
    }
  }

  Status run(std::string_view sql) override {
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return error();
    return {};
  }

  Status begin() override { return run("BEGIN IMMEDIATE"); }
  Status sync_commits(bool synced) override {
    return run(synced ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  }
  Status lock_schema() override { return begin(); }
  Status unlock_schema(bool commit) override { return commit ? this->commit() : rollback(); }
  bool broken() const override { return false; }  // a file does not hang up
  Status reconnect() override { return {}; }

  Error error() const {
    int code = sqlite3_extended_errcode(db_);
    std::string message = sqlite3_errmsg(db_);
    switch (code) {
      case SQLITE_CONSTRAINT_UNIQUE:
      case SQLITE_CONSTRAINT_PRIMARYKEY:
      case SQLITE_CONSTRAINT_FOREIGNKEY:
        return conflict(std::move(message));
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return unavailable(std::move(message));
      case SQLITE_FULL:
        return unavailable("the disk holding the SQLite database is full (" + message +
                           "): nothing was written; free space there and try again");
      default:
        return internal("sqlite: " + message);
    }
  }

 private:
  Result<sqlite3_stmt*> prepared(const Query& query) {
    auto found = statements_.find(&query);
    if (found != statements_.end()) return found->second;
    sqlite3_stmt* statement = nullptr;
    const char* sql = query.sqlite ? query.sqlite : query.sql;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK)
      return error();
    statements_.emplace(&query, statement);
    return statement;
  }

  Status bind(sqlite3_stmt* statement, std::span<const Param> params) {
    int index = 1;
    for (const Param& param : params) {
      int rc = SQLITE_OK;
      switch (param.type) {
        case Param::Type::Null: rc = sqlite3_bind_null(statement, index); break;
        case Param::Type::Integer: rc = sqlite3_bind_int64(statement, index, param.integer); break;
        case Param::Type::Text:
          rc = sqlite3_bind_text(statement, index, param.text.data(), static_cast<int>(param.text.size()),
                                 SQLITE_STATIC);
          break;
      }
      if (rc != SQLITE_OK) return error();
      ++index;
    }
    return {};
  }

  sqlite3* db_;
  std::unordered_map<const Query*, sqlite3_stmt*> statements_;
};

// Memory statistics take a process-wide mutex on every allocation, which
// serialises readers on different connections; nothing here reads them.
void configure_library() {
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

// SQLite's own busy timeout sleeps ever longer (up to 100 ms a try), so a
// writer held back for 20 ms by a checkpoint could wait 50 ms more. This
// one polls every millisecond until the timeout.
int wait_for_lock(void*, int tries) {
  if (tries >= kBusyTimeoutMillis) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

// Two connections switching a new file to WAL at once both hold a shared
// lock and want an exclusive one; SQLite answers one of them SQLITE_BUSY at
// once rather than wait (that wait could deadlock), so retry here.
Status use_wal(Connection& connection) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMillis);
  for (;;) {
    Status status = connection.run("PRAGMA journal_mode=WAL");
    if (status || status.error().kind != ErrorKind::Unavailable || std::chrono::steady_clock::now() > deadline)
      return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

Result<std::unique_ptr<Connection>> connect_sqlite(const DatabaseUrl& url) {
  configure_library();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(url.path.c_str(), &db, flags, nullptr);
  auto connection = std::make_unique<SqliteConnection>(db);  // owns db even when opening failed
  if (rc != SQLITE_OK) return unavailable("cannot open " + url.path + ": " + sqlite3_errmsg(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_handler(db, &wait_for_lock, nullptr);
  if (auto status = use_wal(*connection); !status) return status.error();
  // synchronous=NORMAL is durable across process crashes in WAL mode; only an
  // OS crash may lose the last transactions (Connection::sync_commits says
  // which commits are synced). Commits never checkpoint: the store's
  // WalCheckpointer does, off the writers' path, and restarts the log once
  // it is kWalRestartBytes long; the first commit after that cuts the file
  // back to that size.
  const std::string size_limit = "PRAGMA journal_size_limit=" + std::to_string(kWalRestartBytes);
  for (const char* pragma : {"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA wal_autocheckpoint=0",
                             size_limit.c_str()})
    if (auto status = connection->run(pragma); !status) return status.error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace store
