// Owner operations of SqlStore.
#include "core/uuid.h"
#include "store/sql_store.h"

namespace store {

namespace {

const Query kInsertOwner{"INSERT INTO owners (id, name, created_at) VALUES (?, ?, ?)"};
const Query kOwnerById{"SELECT id, name, created_at FROM owners WHERE id = ?"};
const Query kOwnerByName{"SELECT id, name, created_at FROM owners WHERE name = ?"};
const Query kOwnersAfter{"SELECT id, name, created_at FROM owners WHERE id > ? ORDER BY id LIMIT ?"};
const Query kRenameOwner{"UPDATE owners SET name = ? WHERE id = ?"};
const Query kDeleteOwner{"DELETE FROM owners WHERE id = ?"};

Owner read_owner(const Row& row) {
  return Owner{std::string(row.text(0)), std::string(row.text(1)), from_millis(row.integer(2))};
}

Result<Owner> select_owner(Connection& connection, const Query& query, std::string_view key) {
  std::optional<Owner> owner;
  auto done = connection.execute(query, {key}, [&](const Row& row) { owner = read_owner(row); });
  if (!done) return done.error();
  if (!owner) return not_found("no owner " + std::string(key));
  return std::move(*owner);
}

Error name_taken(const Error& error, std::string_view name) {
  if (error.kind != ErrorKind::Conflict) return error;
  return conflict("an owner named '" + std::string(name) + "' already exists");
}

}  // namespace

Result<Owner> SqlStore::create_owner(std::string_view name) {
  if (auto checked = check_name("owner name", name); !checked) return checked.error();
  Owner owner{core::Uuid::new_v7().to_string(), std::string(name), now()};
  auto inserted = with_connection([&](Connection& connection) {
    return connection.execute(kInsertOwner, {owner.id, owner.name, to_millis(owner.created_at)});
  });
  if (!inserted) return name_taken(inserted.error(), name);
  return owner;
}

Result<Owner> SqlStore::get_owner(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return with_connection([&](Connection& connection) { return select_owner(connection, kOwnerById, *key); });
}

Result<Owner> SqlStore::find_owner(std::string_view name) {
  return with_connection([&](Connection& connection) { return select_owner(connection, kOwnerByName, name); });
}

Result<Page<Owner>> SqlStore::list_owners(const PageRequest& request) {
  auto limit = check_limit(request);
  if (!limit) return limit.error();
  auto after = page_start(request);
  if (!after) return after.error();
  return with_connection([&](Connection& connection) -> Result<Page<Owner>> {
    std::vector<Owner> owners;
    auto done = connection.execute(kOwnersAfter, {*after, *limit + 1},
                                   [&](const Row& row) { owners.push_back(read_owner(row)); });
    if (!done) return done.error();
    return finish_page(std::move(owners), *limit);
  });
}

Result<Owner> SqlStore::rename_owner(std::string_view id, std::string_view name) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  if (auto checked = check_name("owner name", name); !checked) return checked.error();
  auto renamed = in_transaction([&](Connection& connection) -> Result<Owner> {
    auto changed = connection.execute(kRenameOwner, {name, *key});
    if (!changed) return changed.error();
    if (*changed == 0) return not_found("no owner " + *key);
    return select_owner(connection, kOwnerById, *key);
  });
  if (!renamed) return name_taken(renamed.error(), name);
  return renamed;
}

Status SqlStore::delete_owner(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  auto deleted = with_connection([&](Connection& connection) { return connection.execute(kDeleteOwner, {*key}); });
  if (!deleted && deleted.error().kind == ErrorKind::Conflict)
    return conflict("owner " + *key + " still has projects; delete them first");
  if (!deleted) return deleted.error();
  if (*deleted == 0) return not_found("no owner " + *key);
  return {};
}

}  // namespace store
