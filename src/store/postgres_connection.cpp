#include "store/postgres_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace store {

namespace {

// Any fixed number will do: it names the lock, in a space shared with other
// users of pg_advisory_lock on the same database.
constexpr long long kSchemaLockKey = 0x666163746f7279;  // "factory"

using ResultHandle = std::unique_ptr<PGresult, decltype(&PQclear)>;

ResultHandle wrap(PGresult* result) { return ResultHandle(result, &PQclear); }

// The store's SQL uses `?` for parameters and never a literal question mark.
std::string numbered_parameters(const char* sql) {
  std::string out;
  int next = 1;
  for (const char* c = sql; *c; ++c) {
    if (*c == '?')
      out += '$' + std::to_string(next++);
    else
      out += *c;
  }
  return out;
}

Error classify(const PGresult* result, const char* connection_message, bool lost) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? primary : connection_message;
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (lost) return unavailable("postgres: " + message);
  std::string_view code = state ? state : "";
  if (code == "23505" || code == "23503") return conflict(std::move(message));  // unique, foreign key
  if (code == "22001" || code == "22P02") return invalid(std::move(message));   // too long, bad text
  if (code == "40001" || code == "40P01" || code.starts_with("08") || code.starts_with("57P"))
    return unavailable("postgres: " + message);  // serialization, deadlock, connection, shutdown
  return internal("postgres: " + message);
}

class PostgresRow final : public Row {
 public:
  PostgresRow(const PGresult* result, int row) : result_(result), row_(row) {}
  bool is_null(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  std::string_view text(int column) const override {
    return {PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column))};
  }
  std::int64_t integer(int column) const override {
    std::string_view value = text(column);
    std::int64_t number = 0;
    std::from_chars(value.data(), value.data() + value.size(), number);
    return number;
  }

 private:
  const PGresult* result_;
  int row_;
};

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Backend backend() const override { return Backend::Postgres; }

  using Connection::execute;
  Result<std::int64_t> execute(const Query& query, std::span<const Param> params,
                               const RowHandler& on_row) override {
    auto name = prepared(query);
    if (!name) return name.error();
    bind(params);
    auto result = wrap(PQexecPrepared(conn_, (*name)->c_str(), static_cast<int>(params.size()), values_.data(),
                                      nullptr, nullptr, 0));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error(result.get());
    int rows = PQntuples(result.get());
    for (int r = 0; on_row && r < rows; ++r) on_row(PostgresRow(result.get(), r));
    const char* changed = PQcmdTuples(result.get());
    return static_cast<std::int64_t>(*changed ? std::atoll(changed) : 0);
  }

  Status run(std::string_view sql) override {
    auto result = wrap(PQexec(conn_, std::string(sql).c_str()));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error(result.get());
    return {};
  }

  Status begin() override { return run("BEGIN"); }

  Status lock_schema() override {
    static const Query lock{"SELECT pg_advisory_xact_lock(?)"};
    if (auto status = begin(); !status) return status;
    auto locked = execute(lock, {static_cast<std::int64_t>(kSchemaLockKey)}, {});
    if (!locked) return locked.error();
    return {};
  }

  Status unlock_schema(bool commit) override { return commit ? this->commit() : rollback(); }

  bool broken() const override { return PQstatus(conn_) == CONNECTION_BAD; }

  Status reconnect() override {
    names_.clear();  // prepared statements die with the session
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return unavailable(std::string("postgres: ") + PQerrorMessage(conn_));
    return {};
  }

 private:
  Result<const std::string*> prepared(const Query& query) {
    auto found = names_.find(&query);
    if (found != names_.end()) return &found->second;
    std::string name = std::to_string(names_.size());
    name.insert(name.begin(), 'q');  // not "q" + …: g++ 12 -O3 warns falsely (-Wrestrict)
    auto result = wrap(PQprepare(conn_, name.c_str(), numbered_parameters(query.sql).c_str(), 0, nullptr));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) return error(result.get());
    return &names_.emplace(&query, std::move(name)).first->second;
  }

  // Text parameters must end in NUL for libpq: copy them into buffers kept
  // between calls, so warm calls do not allocate.
  void bind(std::span<const Param> params) {
    if (buffers_.size() < params.size()) buffers_.resize(params.size());
    values_.assign(params.size() + 1, nullptr);
    std::size_t i = 0;
    for (const Param& param : params) {
      if (param.type == Param::Type::Integer) buffers_[i] = std::to_string(param.integer);
      if (param.type == Param::Type::Text) buffers_[i].assign(param.text);
      if (param.type != Param::Type::Null) values_[i] = buffers_[i].c_str();
      ++i;
    }
  }

  Error error(const PGresult* result) { return classify(result, PQerrorMessage(conn_), broken()); }

  PGconn* conn_;
  std::unordered_map<const Query*, std::string> names_;
  std::vector<std::string> buffers_;
  std::vector<const char*> values_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_postgres(const DatabaseUrl& url) {
  // A default connect timeout, so an unreachable server fails open() rather
  // than hang it; a connect_timeout in the URL comes later and wins.
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", url.text.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 1);
  auto connection = std::make_unique<PostgresConnection>(conn);  // PQfinish even on failure
  if (PQstatus(conn) != CONNECTION_OK) return unavailable(std::string("postgres: ") + PQerrorMessage(conn));
  // Notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace store
