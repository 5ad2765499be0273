// API token operations of SqlStore.
#include "core/uuid.h"
#include "store/sql_store.h"
#include "store/token_secret.h"

namespace store {

namespace {

// Recording every use would turn each authenticated request into a write.
constexpr std::chrono::minutes kLastUsedResolution{1};

const Query kInsertToken{"INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)"};
const Query kAllTokens{"SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id"};
const Query kTokenByHash{
    "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = ?"};
const Query kRevokeToken{"UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"};
const Query kTouchToken{"UPDATE api_tokens SET last_used_at = ? WHERE id = ?"};

ApiToken read_token(const Row& row) {
  return ApiToken{std::string(row.text(0)), std::string(row.text(1)), from_millis(row.integer(2)),
                  optional_time(row, 3), optional_time(row, 4)};
}

}  // namespace

Result<CreatedToken> SqlStore::create_token(std::string_view name) {
  if (auto checked = check_name("token name", name); !checked) return checked.error();
  CreatedToken created{{core::Uuid::new_v7().to_string(), std::string(name), now(), {}, {}}, new_token_secret()};
  std::string hash = sha256_hex(created.secret);
  auto inserted = with_connection([&](Connection& connection) {
    const ApiToken& token = created.token;
    return connection.execute(kInsertToken, {token.id, token.name, hash, to_millis(token.created_at)});
  });
  if (!inserted) return inserted.error();
  return created;
}

Result<std::vector<ApiToken>> SqlStore::list_tokens() {
  return with_connection([&](Connection& connection) -> Result<std::vector<ApiToken>> {
    std::vector<ApiToken> tokens;
    auto done = connection.execute(kAllTokens, {}, [&](const Row& row) { tokens.push_back(read_token(row)); });
    if (!done) return done.error();
    return tokens;
  });
}

Status SqlStore::revoke_token(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  auto revoked = with_connection(
      [&](Connection& connection) { return connection.execute(kRevokeToken, {to_millis(now()), *key}); });
  if (!revoked) return revoked.error();
  if (*revoked == 0) return not_found("no token " + *key);
  return {};
}

Result<ApiToken> SqlStore::verify_token(std::string_view secret) {
  std::string hash = sha256_hex(secret);
  return with_connection([&](Connection& connection) -> Result<ApiToken> {
    std::optional<ApiToken> token;
    auto done = connection.execute(kTokenByHash, {hash}, [&](const Row& row) { token = read_token(row); });
    if (!done) return done.error();
    if (!token) return not_found("unknown token");
    if (token->revoked_at) return not_found("token revoked");
    Timestamp at = now();
    if (!token->last_used_at || at - *token->last_used_at >= kLastUsedResolution) {
      auto touched = connection.execute(kTouchToken, {to_millis(at), token->id});
      if (!touched) return touched.error();
      token->last_used_at = at;
    }
    return std::move(*token);
  });
}

}  // namespace store
