#include "store/sql_store.h"

#include <chrono>
#include <random>
#include <thread>

#include "core/uuid.h"
#include "store/migrations.h"

namespace store {

namespace {
constexpr std::size_t kMaxNameLength = 255;
constexpr int kMaxPageSize = 1000;
// Often enough that the log stays small (a few MB under full webhook load).
constexpr std::chrono::milliseconds kCheckpointInterval{200};
}  // namespace

Timestamp now() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

Timestamp from_millis(std::int64_t millis) { return Timestamp(std::chrono::milliseconds(millis)); }

std::int64_t to_millis(Timestamp at) { return at.time_since_epoch().count(); }

std::optional<Timestamp> optional_time(const Row& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return from_millis(row.integer(column));
}

Param optional_millis(const std::optional<Timestamp>& at) {
  if (!at) return std::nullopt;
  return to_millis(*at);
}

std::optional<std::string> optional_text(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return std::string{text};
}

std::optional<std::string> canonical_id(std::string_view id) {
  if (!core::is_uuid(id)) return std::nullopt;
  std::string lowercase(id);
  for (char& c : lowercase)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return lowercase;
}

// Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false
// positive) on "'" + std::string(id).
Error bad_id(std::string_view id) {
  std::string message = "'";
  message.append(id).append("' is not an id (a UUID)");
  return invalid(std::move(message));
}

Status check_name(std::string_view what, std::string_view name) {
  if (name.empty()) return invalid(std::string(what) + " must not be empty");
  if (name.size() > kMaxNameLength)
    return invalid(std::string(what) + " is longer than " + std::to_string(kMaxNameLength) + " bytes");
  return {};
}

Result<int> check_limit(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageSize)
    return invalid("page size must be between 1 and " + std::to_string(kMaxPageSize));
  return page.limit;
}

Result<std::string> page_start(const PageRequest& page) {
  if (page.after.empty()) return core::Uuid().to_string();
  auto after = canonical_id(page.after);
  if (!after) return bad_id(page.after);
  return std::move(*after);
}

Result<std::string> page_end(const PageRequest& page) {
  if (page.after.empty()) return std::string{"ffffffff-ffff-ffff-ffff-ffffffffffff"};
  auto after = canonical_id(page.after);
  if (!after) return bad_id(page.after);
  return std::move(*after);
}

void SqlStore::back_off(int attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  const int ceiling_us = 1000 << attempt;
  std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, ceiling_us)(random)));
}

Result<std::unique_ptr<Store>> open(std::string_view url_text, const OpenOptions& options) {
  auto url = parse_database_url(url_text);
  if (!url) return url.error();
  auto connection = connect(*url);
  if (!connection) return connection.error();
  if (auto migrated = migrate(**connection); !migrated) return migrated.error();
  auto pool_size = static_cast<std::size_t>(options.pool_size < 1 ? 1 : options.pool_size);
  std::unique_ptr<WalCheckpointer> checkpointer;
  if (url->backend == Backend::Sqlite) {
    auto own = connect(*url);
    if (!own) return own.error();
    checkpointer = std::make_unique<WalCheckpointer>(std::move(*own), kCheckpointInterval);
  }
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(*url), pool_size, std::move(*connection),
                                                           options, std::move(checkpointer)));
}

}  // namespace store
