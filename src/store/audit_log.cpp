// The audit log of SqlStore: entries recorded, listed newest first with
// optional filters, and pruned in small batches.
#include <array>
#include <vector>

#include "core/uuid.h"
#include "store/workflow_rows.h"

namespace store {

namespace {

constexpr std::size_t kMaxActionLength = 64;
constexpr std::size_t kMaxAddressLength = 64;
constexpr int kMaxPruneBatch = 10'000;

#define FACTORY_AUDIT_COLUMNS "id, at, actor, user_id, action, project_id, detail, address"
const Query kInsertEntry{"INSERT INTO audit_log (" FACTORY_AUDIT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};

// A list's filters, each present or not: one query for each combination
// (bit 0 project, bit 1 actor, bit 2 action), built once, as connections
// keep prepared statements by a Query's address. Parameters: the page's
// end, the filters given in that order, the limit.
constexpr std::array<const char*, 3> kFilterConditions{" AND project_id = ?", " AND actor = ?", " AND action = ?"};

const Query& list_query(unsigned filters) {
  static const std::array<std::string, 8> sql = [] {
    std::array<std::string, 8> all;
    for (unsigned combination = 0; combination < all.size(); ++combination) {
      std::string& text = all[combination];
      text = "SELECT " FACTORY_AUDIT_COLUMNS " FROM audit_log WHERE id < ?";
      for (unsigned filter = 0; filter < kFilterConditions.size(); ++filter)
        if (combination & (1u << filter)) text += kFilterConditions[filter];
      text += " ORDER BY id DESC LIMIT ?";
    }
    return all;
  }();
  static const std::array<Query, 8> queries = [] {
    std::array<Query, 8> all;
    for (std::size_t combination = 0; combination < all.size(); ++combination)
      all[combination].sql = sql[combination].c_str();
    return all;
  }();
  return queries[filters];
}
#undef FACTORY_AUDIT_COLUMNS

// Ids are UUID v7, made as the entries were: the oldest come first on the
// primary key, so a batch is found without scanning the newer ones, and is
// exactly the entries up to its last id that are old enough.
const Query kOldestBefore{"SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?"};
const Query kDeleteThrough{"DELETE FROM audit_log WHERE id <= ? AND at < ?"};

AuditEntry read_entry(const Row& row) {
  return AuditEntry{.id = std::string{row.text(0)},
                    .at = from_millis(row.integer(1)),
                    .actor = std::string{row.text(2)},
                    .user_id = std::string{row.text(3)},
                    .action = std::string{row.text(4)},
                    .project_id = std::string{row.text(5)},
                    .detail = std::string{row.text(6)},
                    .address = std::string{row.text(7)}};
}

Status check_length(std::string_view what, std::string_view text, std::size_t most) {
  if (text.size() > most) return invalid(std::string{what} + " has more than " + std::to_string(most) + " bytes");
  return {};
}

// An empty id, or a UUID in canonical form.
Result<std::string> optional_id(std::string_view id) {
  if (id.empty()) return std::string{};
  return checked_id(id);
}

// The entry as stored: checked, ids canonical, the detail cut to size.
Result<AuditEntry> checked_entry(const AuditEntry& given) {
  if (given.actor.empty() || given.action.empty()) return invalid("an audit entry needs an actor and an action");
  for (auto checked : {check_length("an actor", given.actor, kMaxActorLength),
                       check_length("an action", given.action, kMaxActionLength),
                       check_length("an address", given.address, kMaxAddressLength)})
    if (!checked) return checked.error();
  auto user = optional_id(given.user_id);
  if (!user) return user.error();
  auto project = optional_id(given.project_id);
  if (!project) return project.error();
  AuditEntry entry = given;
  entry.user_id = std::move(*user);
  entry.project_id = std::move(*project);
  entry.detail = clip_reason(given.detail);
  return entry;
}

}  // namespace

Result<AuditEntry> SqlStore::record_audit_entry(const AuditEntry& given) {
  auto entry = checked_entry(given);
  if (!entry) return entry.error();
  entry->id = core::Uuid::new_v7().to_string();
  entry->at = now();
  auto inserted = with_connection([&](Connection& connection) {
    return connection.execute(kInsertEntry, {entry->id, to_millis(entry->at), entry->actor,
                                             optional_text(entry->user_id), entry->action,
                                             optional_text(entry->project_id), entry->detail, entry->address});
  });
  if (!inserted) return inserted.error();
  return entry;
}

Result<Page<AuditEntry>> SqlStore::list_audit_entries(const AuditFilter& filter, const PageRequest& request) {
  auto limit = check_limit(request);
  if (!limit) return limit.error();
  auto before = page_end(request);
  if (!before) return before.error();
  auto project = optional_id(filter.project_id);
  if (!project) return project.error();
  const std::array<const std::string*, kFilterConditions.size()> values{&*project, &filter.actor, &filter.action};
  std::vector<Param> params{Param{*before}};
  unsigned filters = 0;
  for (unsigned index = 0; index < values.size(); ++index) {
    if (values[index]->empty()) continue;
    filters |= 1u << index;
    params.emplace_back(*values[index]);
  }
  params.emplace_back(*limit + 1);
  return with_connection([&](Connection& connection) -> Result<Page<AuditEntry>> {
    std::vector<AuditEntry> entries;
    auto done = connection.execute(list_query(filters), params,
                                   [&](const Row& row) { entries.push_back(read_entry(row)); });
    if (!done) return done.error();
    return finish_page(std::move(entries), *limit);
  });
}

Result<std::int64_t> SqlStore::prune_audit_entries(Timestamp before, int batch) {
  if (batch < 1 || batch > kMaxPruneBatch)
    return invalid("a prune batch is 1 to " + std::to_string(kMaxPruneBatch) + " entries");
  return in_transaction([&](Connection& connection) -> Result<std::int64_t> {
    std::string last;
    auto found = connection.execute(kOldestBefore, {to_millis(before), batch},
                                    [&](const Row& row) { last = row.text(0); });
    if (!found) return found.error();
    if (last.empty()) return std::int64_t{0};
    return connection.execute(kDeleteThrough, {last, to_millis(before)});
  });
}

}  // namespace store
