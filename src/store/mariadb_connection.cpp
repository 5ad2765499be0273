#include "store/mariadb_connection.h"

#include <mysql.h>

#include <charconv>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/close_on_exec.h"

namespace store {

namespace {

constexpr unsigned kConnectTimeoutSeconds = 10;
constexpr unsigned kDuplicateEntry = 1062;      // ER_DUP_ENTRY
constexpr unsigned kRowIsReferenced = 1451;     // ER_ROW_IS_REFERENCED_2
constexpr unsigned kNoReferencedRow = 1452;     // ER_NO_REFERENCED_ROW_2
constexpr unsigned kLockWaitTimeout = 1205;     // ER_LOCK_WAIT_TIMEOUT
constexpr unsigned kDeadlock = 1213;            // ER_LOCK_DEADLOCK
constexpr unsigned kDataTooLong = 1406;         // ER_DATA_TOO_LONG
constexpr unsigned kConnectionKilled = 1927;    // ER_CONNECTION_KILLED
constexpr unsigned kServerShutdown = 1053;      // ER_SERVER_SHUTDOWN

// Client-side errors (2000–2999: server gone, lost, out of sync) and a killed
// session leave the connection unusable.
bool connection_lost(unsigned code) {
  return (code >= 2000 && code < 3000) || code == kConnectionKilled || code == kServerShutdown;
}

Error classify(unsigned code, const char* message, bool lost) {
  std::string text = message;
  if (lost) return unavailable("mariadb: " + text);
  switch (code) {
    case kDuplicateEntry:
    case kRowIsReferenced:
    case kNoReferencedRow:
      return conflict(std::move(text));
    case kLockWaitTimeout:
    case kDeadlock:
      return unavailable("mariadb: " + text);
    case kDataTooLong:
      return invalid(std::move(text));
    default:
      return internal("mariadb: " + text);
  }
}

// Every column is fetched as text (the connector converts numbers), into
// buffers the connection reuses from row to row.
class MariaDbRow final : public Row {
 public:
  std::vector<std::string> values;
  std::vector<my_bool> nulls;

  bool is_null(int column) const override { return nulls[column] != 0; }
  std::string_view text(int column) const override { return values[column]; }
  std::int64_t integer(int column) const override {
    std::int64_t value = 0;
    const std::string& text = values[column];
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
};

class MariaDbConnection final : public Connection {
 public:
  explicit MariaDbConnection(DatabaseUrl url) : url_(std::move(url)) {}
  ~MariaDbConnection() override { close(); }

  Status open() {
    mysql_ = mysql_init(nullptr);
    if (!mysql_) return internal("mariadb: out of memory");
    unsigned timeout = kConnectTimeoutSeconds;
    mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, so "no such
    // row" is told apart from "nothing changed".
    if (!mysql_real_connect(mysql_, url_.host.c_str(), url_.user.c_str(), url_.password.c_str(),
                            url_.database.c_str(), url_.port, nullptr, CLIENT_FOUND_ROWS))
      return unavailable("mariadb: cannot connect to " + url_.host + ": " + mysql_error(mysql_));
    core::set_close_on_exec(static_cast<int>(mysql_get_socket(mysql_)));  // the connector opens it without
    broken_ = false;
    return {};
  }

  Backend backend() const override { return Backend::MariaDb; }

  using Connection::execute;
  Result<std::int64_t> execute(const Query& query, std::span<const Param> params,
                               const RowHandler& on_row) override {
    auto statement = prepared(query);
    if (!statement) return statement.error();
    MYSQL_STMT* stmt = *statement;
    bind_params(params);
    if (mysql_stmt_bind_param(stmt, param_binds_.data()) || mysql_stmt_execute(stmt)) return error(stmt);
    MYSQL_RES* metadata = mysql_stmt_result_metadata(stmt);
    if (!metadata) return static_cast<std::int64_t>(mysql_stmt_affected_rows(stmt));
    unsigned columns = mysql_num_fields(metadata);
    mysql_free_result(metadata);
    auto status = fetch_rows(stmt, columns, on_row);
    mysql_stmt_free_result(stmt);
    if (!status) return status.error();
    return std::int64_t{0};
  }

  Status run(std::string_view sql) override {
    if (mysql_real_query(mysql_, sql.data(), static_cast<unsigned long>(sql.size()))) return error();
    if (MYSQL_RES* result = mysql_store_result(mysql_)) mysql_free_result(result);
    return {};
  }

  Status begin() override { return run("START TRANSACTION"); }

  Status lock_schema() override {
    static const Query lock{"SELECT GET_LOCK('factory_schema_migrations', 600)"};
    bool locked = false;
    auto done = execute(lock, {}, [&](const Row& row) { locked = !row.is_null(0) && row.integer(0) == 1; });
    if (!done) return done.error();
    if (!locked) return unavailable("mariadb: timed out waiting for the schema migration lock");
    return {};
  }

  Status unlock_schema(bool) override {
    static const Query unlock{"SELECT RELEASE_LOCK('factory_schema_migrations')"};
    auto done = execute(unlock, {}, {});
    if (!done) return done.error();
    return {};
  }

  bool broken() const override { return broken_; }

  Status reconnect() override {
    close();
    return open();
  }

 private:
  Result<MYSQL_STMT*> prepared(const Query& query) {
    auto found = statements_.find(&query);
    if (found != statements_.end()) return found->second;
    MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
    if (!stmt) return error();
    const char* sql = query.mariadb ? query.mariadb : query.sql;
    if (mysql_stmt_prepare(stmt, sql, static_cast<unsigned long>(std::char_traits<char>::length(sql)))) {
      Error failure = error(stmt);
      mysql_stmt_close(stmt);
      return failure;
    }
    statements_.emplace(&query, stmt);
    return stmt;
  }

  void bind_params(std::span<const Param> params) {
    param_binds_.assign(params.size() + 1, MYSQL_BIND{});  // +1: never hand out an empty vector's null data
    integers_.resize(params.size());
    std::size_t i = 0;
    for (const Param& param : params) {
      MYSQL_BIND& bind = param_binds_[i];
      switch (param.type) {
        case Param::Type::Null: bind.buffer_type = MYSQL_TYPE_NULL; break;
        case Param::Type::Integer:
          integers_[i] = param.integer;
          bind.buffer_type = MYSQL_TYPE_LONGLONG;
          bind.buffer = &integers_[i];
          break;
        case Param::Type::Text:
          bind.buffer_type = MYSQL_TYPE_STRING;
          bind.buffer = const_cast<char*>(param.text.data());
          bind.buffer_length = static_cast<unsigned long>(param.text.size());
          break;
      }
      ++i;
    }
  }

  // Binds zero-length result buffers, so each fetch reports the column
  // lengths, then fetches every column into a buffer of the right size.
  Status fetch_rows(MYSQL_STMT* stmt, unsigned columns, const RowHandler& on_row) {
    result_binds_.assign(columns, MYSQL_BIND{});
    lengths_.assign(columns, 0);
    row_.values.resize(columns);
    row_.nulls.assign(columns, 0);
    for (unsigned c = 0; c < columns; ++c) {
      result_binds_[c].buffer_type = MYSQL_TYPE_STRING;
      result_binds_[c].length = &lengths_[c];
      result_binds_[c].is_null = &row_.nulls[c];
    }
    if (mysql_stmt_bind_result(stmt, result_binds_.data())) return error(stmt);
    for (;;) {
      int rc = mysql_stmt_fetch(stmt);
      if (rc == MYSQL_NO_DATA) return {};
      if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) return error(stmt);
      if (auto status = fetch_columns(stmt, columns); !status) return status;
      if (on_row) on_row(row_);
    }
  }

  Status fetch_columns(MYSQL_STMT* stmt, unsigned columns) {
    for (unsigned c = 0; c < columns; ++c) {
      std::string& value = row_.values[c];
      value.resize(row_.nulls[c] ? 0 : lengths_[c]);
      if (value.empty()) continue;
      MYSQL_BIND bind{};
      bind.buffer_type = MYSQL_TYPE_STRING;
      bind.buffer = value.data();
      bind.buffer_length = static_cast<unsigned long>(value.size());
      if (mysql_stmt_fetch_column(stmt, &bind, c, 0)) return error(stmt);
    }
    return {};
  }

  Error error(MYSQL_STMT* stmt) {
    unsigned code = mysql_stmt_errno(stmt);
    broken_ = broken_ || connection_lost(code);
    return classify(code, mysql_stmt_error(stmt), broken_);
  }

  Error error() {
    unsigned code = mysql_errno(mysql_);
    broken_ = broken_ || connection_lost(code);
    return classify(code, mysql_error(mysql_), broken_);
  }

  void close() {
    for (auto& [query, stmt] : statements_) mysql_stmt_close(stmt);
    statements_.clear();
    if (mysql_) mysql_close(mysql_);
    mysql_ = nullptr;
  }

  DatabaseUrl url_;
  MYSQL* mysql_ = nullptr;
  bool broken_ = false;
  std::unordered_map<const Query*, MYSQL_STMT*> statements_;
  std::vector<MYSQL_BIND> param_binds_;
  std::vector<long long> integers_;
  std::vector<MYSQL_BIND> result_binds_;
  std::vector<unsigned long> lengths_;
  MariaDbRow row_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_mariadb(const DatabaseUrl& url) {
  // mysql_init initialises the library on first use, which is not thread-safe.
  static std::once_flag library_initialised;
  std::call_once(library_initialised, [] { mysql_library_init(0, nullptr, nullptr); });
  auto connection = std::make_unique<MariaDbConnection>(url);
  if (auto status = connection->open(); !status) return status.error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace store
