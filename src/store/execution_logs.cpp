// Execution logs of SqlStore: one row a line, keyed (execution_id, seq), so
// appending is an insert at the end of the key range and a follower that
// saw line N (SSE Last-Event-ID) reads on from N with one index range scan.
#include "store/workflow_rows.h"

namespace store {

namespace {

constexpr int kMaxLinesPerRead = 1000;
constexpr std::size_t kMaxLinesPerAppend = 10000;

// A line already stored under its seq is kept: the writer sent the batch again.
const Query kInsertLine{
    "INSERT INTO execution_logs (execution_id, seq, stream, logged_at, line) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (execution_id, seq) DO NOTHING",
    "INSERT INTO execution_logs (execution_id, seq, stream, logged_at, line) VALUES (?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE seq = seq"};
const Query kLastSeq{"SELECT MAX(seq) FROM execution_logs WHERE execution_id = ?"};
const Query kLinesAfter{
    "SELECT seq, stream, logged_at, line FROM execution_logs WHERE execution_id = ? AND seq > ? ORDER BY seq LIMIT ?"};

std::optional<LogStream> parse_stream(std::string_view text) {
  for (LogStream stream : {LogStream::Stdout, LogStream::Stderr, LogStream::System})
    if (to_string(stream) == text) return stream;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(LogStream stream) {
  switch (stream) {
    case LogStream::Stdout: return "stdout";
    case LogStream::Stderr: return "stderr";
    case LogStream::System: return "system";
  }
  return "system";
}

Status check_log_lines(const std::vector<LogLine>& lines) {
  if (lines.size() > kMaxLinesPerAppend)
    return invalid("at most " + std::to_string(kMaxLinesPerAppend) + " lines per append");
  for (const LogLine& line : lines)
    if (line.seq < 1) return invalid("log line numbers start at 1");
  return {};
}

Status insert_log_lines(Connection& connection, const std::string& execution_id, const std::vector<LogLine>& lines) {
  for (const LogLine& line : lines) {
    auto done =
        connection.execute(kInsertLine, {execution_id, line.seq, to_string(line.stream), to_millis(line.at), line.text});
    if (!done) return done.error();
  }
  return {};
}

Result<std::int64_t> last_log_seq(Connection& connection, const std::string& execution_id) {
  std::int64_t last = 0;
  auto done = connection.execute(kLastSeq, {execution_id}, [&](const Row& row) {
    if (!row.is_null(0)) last = row.integer(0);
  });
  if (!done) return done.error();
  return last;
}

Status SqlStore::append_log(std::string_view execution_id, const std::vector<LogLine>& lines) {
  auto key = checked_id(execution_id);
  if (!key) return key.error();
  if (auto checked = check_log_lines(lines); !checked) return checked;
  if (lines.empty()) return {};
  auto appended = in_transaction([&](Connection& connection) { return insert_log_lines(connection, *key, lines); });
  // The only key to violate is the execution's (a repeated seq is skipped).
  if (!appended && appended.error().kind == ErrorKind::Conflict) return not_found("no execution " + *key);
  return appended;
}

Result<std::vector<LogLine>> SqlStore::read_log(std::string_view execution_id, std::int64_t after_seq, int limit) {
  auto key = checked_id(execution_id);
  if (!key) return key.error();
  if (limit < 1 || limit > kMaxLinesPerRead)
    return invalid("log reads take 1 to " + std::to_string(kMaxLinesPerRead) + " lines");
  return with_connection([&](Connection& connection) -> Result<std::vector<LogLine>> {
    std::vector<LogLine> lines;
    auto done = connection.execute(kLinesAfter, {*key, after_seq, limit}, [&](const Row& row) {
      lines.push_back({row.integer(0), parse_stream(row.text(1)).value_or(LogStream::System),
                       from_millis(row.integer(2)), std::string(row.text(3))});
    });
    if (!done) return done.error();
    return lines;
  });
}

}  // namespace store
