// Users of SqlStore: the people who signed in with GitHub.
#include "core/uuid.h"
#include "store/sql_store.h"

namespace store {

namespace {

#define FACTORY_USER_COLUMNS "id, github_id, login, name, avatar_url, created_at, last_sign_in_at"
const Query kUserById{"SELECT " FACTORY_USER_COLUMNS " FROM users WHERE id = ?"};
const Query kUserByLogin{"SELECT " FACTORY_USER_COLUMNS " FROM users WHERE login = ?"};
const Query kUserByGitHubId{"SELECT " FACTORY_USER_COLUMNS " FROM users WHERE github_id = ?"};
const Query kUsersAfter{"SELECT " FACTORY_USER_COLUMNS " FROM users WHERE id > ? ORDER BY id LIMIT ?"};
#undef FACTORY_USER_COLUMNS
const Query kInsertUser{
    "INSERT INTO users (id, github_id, login, name, avatar_url, created_at, last_sign_in_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"};
const Query kUpdateUser{"UPDATE users SET login = ?, name = ?, avatar_url = ?, last_sign_in_at = ? WHERE id = ?"};
// GitHub gives a renamed account's old login to whoever asks next; the old
// holder keeps its row under a login no GitHub account can have.
const Query kReleaseLogin{"UPDATE users SET login = ? WHERE login = ? AND github_id <> ?"};

}  // namespace

User read_user(const Row& row) {
  return User{.id = std::string{row.text(0)},
              .github_id = row.integer(1),
              .login = std::string{row.text(2)},
              .name = std::string{row.text(3)},
              .avatar_url = std::string{row.text(4)},
              .created_at = from_millis(row.integer(5)),
              .last_sign_in_at = optional_time(row, 6)};
}

namespace {

Result<std::optional<User>> select_user(Connection& connection, const Query& query, Param key) {
  std::optional<User> user;
  auto done = connection.execute(query, {std::move(key)}, [&](const Row& row) { user = read_user(row); });
  if (!done) return done.error();
  return user;
}

Result<User> existing_user(Result<std::optional<User>> found, std::string_view key) {
  if (!found) return found.error();
  if (!*found) return not_found("no user " + std::string{key});
  return std::move(**found);
}

Status check_account(const GitHubAccount& account) {
  if (account.id <= 0) return invalid("a GitHub account id is a positive number");
  if (auto checked = check_name("GitHub login", account.login); !checked) return checked;
  if (account.name.size() > 255) return invalid("a user's name has at most 255 bytes");
  if (account.avatar_url.size() > 700) return invalid("an avatar URL has at most 700 bytes");
  return {};
}

}  // namespace

Result<User> SqlStore::sign_in_user(const GitHubAccount& account) {
  if (auto checked = check_account(account); !checked) return checked.error();
  return in_contended_transaction([&](Connection& connection) -> Result<User> {
    const auto at = to_millis(now());
    const std::string released = "~" + std::to_string(account.id) + "~" + account.login;
    if (auto moved = connection.execute(kReleaseLogin, {released.substr(0, 255), account.login, account.id}); !moved)
      return moved.error();
    auto found = select_user(connection, kUserByGitHubId, account.id);
    if (!found) return found.error();
    if (*found) {
      auto updated = connection.execute(kUpdateUser, {account.login, account.name, account.avatar_url, at, (*found)->id});
      if (!updated) return updated.error();
      return existing_user(select_user(connection, kUserById, (*found)->id), account.login);
    }
    const std::string id = core::Uuid::new_v7().to_string();
    auto inserted = connection.execute(kInsertUser, {id, account.id, account.login, account.name, account.avatar_url,
                                                     at, at});
    if (!inserted) return inserted.error();
    return existing_user(select_user(connection, kUserById, id), account.login);
  });
}

Result<User> SqlStore::get_user(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return with_connection(
      [&](Connection& connection) { return existing_user(select_user(connection, kUserById, *key), *key); });
}

Result<User> SqlStore::find_user(std::string_view login) {
  return with_connection(
      [&](Connection& connection) { return existing_user(select_user(connection, kUserByLogin, login), login); });
}

Result<Page<User>> SqlStore::list_users(const PageRequest& request) {
  auto limit = check_limit(request);
  if (!limit) return limit.error();
  auto after = page_start(request);
  if (!after) return after.error();
  return with_connection([&](Connection& connection) -> Result<Page<User>> {
    std::vector<User> users;
    auto done = connection.execute(kUsersAfter, {*after, *limit + 1},
                                   [&](const Row& row) { users.push_back(read_user(row)); });
    if (!done) return done.error();
    return finish_page(std::move(users), *limit);
  });
}

}  // namespace store
