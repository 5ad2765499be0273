// API token operations of SqlStore.
#include "core/uuid.h"
#include "store/sql_store.h"
#include "store/token_secret.h"

namespace store {

namespace {

// Recording every use would turn each authenticated request into a write.
constexpr std::chrono::minutes kLastUsedResolution{1};

const Query kInsertToken{
    "INSERT INTO api_tokens (id, name, token_hash, created_at, scope, workflow_id) VALUES (?, ?, ?, ?, ?, ?)"};
const Query kAllTokens{
    "SELECT id, name, created_at, last_used_at, revoked_at, scope, workflow_id FROM api_tokens"
    " WHERE workflow_id IS NULL ORDER BY id"};
const Query kTokenByHash{
    "SELECT id, name, created_at, last_used_at, revoked_at, scope, workflow_id FROM api_tokens WHERE token_hash = ?"};
const Query kDeleteWorkflowTokens{"DELETE FROM api_tokens WHERE workflow_id = ?"};
const Query kRevokeToken{"UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"};
const Query kTouchToken{"UPDATE api_tokens SET last_used_at = ? WHERE id = ?"};

std::string_view scope_text(TokenScope scope) { return scope == TokenScope::Agent ? "agent" : "admin"; }

ApiToken read_token(const Row& row) {
  const TokenScope scope = row.text(5) == "agent" ? TokenScope::Agent : TokenScope::Admin;
  std::string workflow_id = row.is_null(6) ? std::string{} : std::string(row.text(6));
  return ApiToken{std::string(row.text(0)), std::string(row.text(1)), scope,
                  std::move(workflow_id),   from_millis(row.integer(2)), optional_time(row, 3),
                  optional_time(row, 4)};
}

}  // namespace

Result<CreatedToken> SqlStore::create_token(std::string_view name, TokenScope scope, std::string_view workflow_id) {
  if (auto checked = check_name("token name", name); !checked) return checked.error();
  std::optional<std::string> workflow;
  if (!workflow_id.empty()) {
    workflow = canonical_id(workflow_id);
    if (!workflow) return bad_id(workflow_id);
    if (scope != TokenScope::Agent) return invalid("only agent tokens can be limited to one workflow");
  }
  CreatedToken created{{core::Uuid::new_v7().to_string(), std::string(name), scope, workflow.value_or(""), now(), {}, {}},
                       new_token_secret()};
  std::string hash = sha256_hex(created.secret);
  auto inserted = with_connection([&](Connection& connection) {
    const ApiToken& token = created.token;
    return connection.execute(kInsertToken, {token.id, token.name, hash, to_millis(token.created_at),
                                             scope_text(scope), workflow});
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

Status SqlStore::delete_workflow_tokens(std::string_view workflow_id) {
  auto key = canonical_id(workflow_id);
  if (!key) return bad_id(workflow_id);
  auto deleted = with_connection([&](Connection& connection) { return connection.execute(kDeleteWorkflowTokens, {*key}); });
  if (!deleted) return deleted.error();
  return {};
}

}  // namespace store
