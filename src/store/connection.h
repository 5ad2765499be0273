// One database connection of one backend: the small surface the store's
// queries are written against. Not thread-safe: the pool lends a connection
// to one thread at a time. Internal to the store (and its tests).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/database_url.h"
#include "store/result.h"

namespace store {

// A statement with `?` parameter markers, written once for all backends; where
// MariaDB or SQLite needs other words, `mariadb` or `sqlite` holds its version
// (SQLite has no row locks, so `FOR UPDATE SKIP LOCKED` is PostgreSQL's and
// MariaDB's only). Each connection prepares a query on first use and keeps
// it, keyed by the Query's address, so queries live as constants with static
// storage.
struct Query {
  const char* sql;
  const char* mariadb = nullptr;
  const char* sqlite = nullptr;
};

// A bound parameter: text, a 64-bit integer or NULL. Text is not copied.
struct Param {
  enum class Type { Null, Text, Integer };
  Type type = Type::Null;
  std::string_view text;
  std::int64_t integer = 0;

  Param(std::nullopt_t) {}
  Param(std::string_view value) : type(Type::Text), text(value) {}
  Param(const std::string& value) : type(Type::Text), text(value) {}
  Param(const char* value) : type(Type::Text), text(value) {}
  Param(std::int64_t value) : type(Type::Integer), integer(value) {}
  Param(int value) : type(Type::Integer), integer(value) {}
  Param(const std::optional<std::string>& value) {
    if (value) *this = Param(*value);
  }
};

// The current row of a result; valid only inside the row callback.
class Row {
 public:
  virtual ~Row() = default;
  virtual bool is_null(int column) const = 0;
  virtual std::string_view text(int column) const = 0;
  virtual std::int64_t integer(int column) const = 0;
};

using RowHandler = std::function<void(const Row&)>;

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Backend backend() const = 0;

  // Runs a prepared query; calls on_row for each result row. Returns the
  // number of rows changed (matched, for updates) by a write.
  Result<std::int64_t> execute(const Query& query, std::initializer_list<Param> params,
                               const RowHandler& on_row = {}) {
    return execute(query, std::span<const Param>{params.begin(), params.size()}, on_row);
  }
  // The same with as many parameters as a query built at run time needs (a
  // list's optional filters).
  virtual Result<std::int64_t> execute(const Query& query, std::span<const Param> params,
                                       const RowHandler& on_row) = 0;

  // Runs fixed SQL that binds no values: DDL and transaction control.
  virtual Status run(std::string_view sql) = 0;

  // Starts a write transaction (SQLite takes the write lock at once, so two
  // writers never deadlock upgrading a read lock).
  virtual Status begin() = 0;
  Status commit() { return run("COMMIT"); }
  Status rollback() { return run("ROLLBACK"); }

  // Whether the next commits wait until they are on the disk. MariaDB and
  // PostgreSQL always wait (their defaults). SQLite's connections normally
  // do not: in WAL mode a process crash still loses nothing, and only an OS
  // crash may lose the last commits. Webhooks are committed synced, as
  // GitHub does not send a delivery again once it was answered. Set outside
  // a transaction: SQLite ignores a change inside one.
  virtual Status sync_commits(bool) { return {}; }

  // Serialises schema migrations across every process using the database.
  // SQLite and PostgreSQL hold the lock in a transaction that unlock_schema
  // commits (or rolls back); MariaDB uses a named lock, as its DDL cannot be
  // rolled back anyway.
  virtual Status lock_schema() = 0;
  virtual Status unlock_schema(bool commit) = 0;

  // True after the server dropped the connection; reconnect() then makes a
  // fresh one (prepared statements are prepared again on use).
  virtual bool broken() const = 0;
  virtual Status reconnect() = 0;
};

Result<std::unique_ptr<Connection>> connect(const DatabaseUrl& url);

}  // namespace store
