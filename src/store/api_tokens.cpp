// API token operations of SqlStore.
#include "core/uuid.h"
#include "store/sql_store.h"
#include "store/token_secret.h"

namespace store {

namespace {

// Recording every use would turn each authenticated request into a write.
constexpr std::chrono::minutes kLastUsedResolution{1};

#define FACTORY_TOKEN_COLUMNS \
  "id, name, created_at, last_used_at, revoked_at, scope, workflow_id, user_id, access, project_id, expires_at"
const Query kInsertToken{
    "INSERT INTO api_tokens (id, name, token_hash, created_at, scope, workflow_id) VALUES (?, ?, ?, ?, ?, ?)"};
const Query kInsertPersonalToken{
    "INSERT INTO api_tokens (id, name, token_hash, created_at, scope, user_id, access, project_id, expires_at)"
    " VALUES (?, ?, ?, ?, 'personal', ?, ?, ?, ?)"};
const Query kAllTokens{"SELECT " FACTORY_TOKEN_COLUMNS
                       " FROM api_tokens WHERE workflow_id IS NULL AND scope <> 'personal' ORDER BY id"};
const Query kPersonalTokens{"SELECT " FACTORY_TOKEN_COLUMNS
                            " FROM api_tokens WHERE scope = 'personal' AND revoked_at IS NULL ORDER BY id"};
const Query kUserTokens{"SELECT " FACTORY_TOKEN_COLUMNS
                        " FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY id"};
const Query kTokenByHash{"SELECT " FACTORY_TOKEN_COLUMNS " FROM api_tokens WHERE token_hash = ?"};
#undef FACTORY_TOKEN_COLUMNS
const Query kDeleteWorkflowTokens{"DELETE FROM api_tokens WHERE workflow_id = ?"};
const Query kRevokeToken{"UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"};
const Query kRevokePersonalToken{
    "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND scope = 'personal' AND revoked_at IS NULL"};
const Query kRevokeUserToken{"UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL"};
const Query kTouchToken{"UPDATE api_tokens SET last_used_at = ? WHERE id = ?"};
const Query kCountUsers{"SELECT COUNT(*) FROM users WHERE id = ?"};
const Query kCountProjects{"SELECT COUNT(*) FROM projects WHERE id = ?"};

std::string_view scope_text(TokenScope scope) { return scope == TokenScope::Agent ? "agent" : "admin"; }

TokenScope read_scope(std::string_view text) {
  if (text == "agent") return TokenScope::Agent;
  return text == "personal" ? TokenScope::Personal : TokenScope::Admin;
}

std::string optional_text(const Row& row, int column) {
  return row.is_null(column) ? std::string{} : std::string(row.text(column));
}

ApiToken read_token(const Row& row) {
  return ApiToken{.id = std::string(row.text(0)),
                  .name = std::string(row.text(1)),
                  .scope = read_scope(row.text(5)),
                  .workflow_id = optional_text(row, 6),
                  .created_at = from_millis(row.integer(2)),
                  .last_used_at = optional_time(row, 3),
                  .revoked_at = optional_time(row, 4),
                  .user_id = optional_text(row, 7),
                  .access = optional_text(row, 8) == "read" ? TokenAccess::Read : TokenAccess::Write,
                  .project_id = optional_text(row, 9),
                  .expires_at = optional_time(row, 10)};
}

Result<std::vector<ApiToken>> select_tokens(Connection& connection, const Query& query,
                                            std::initializer_list<Param> params) {
  std::vector<ApiToken> tokens;
  auto done = connection.execute(query, params, [&](const Row& row) { tokens.push_back(read_token(row)); });
  if (!done) return done.error();
  return tokens;
}

// Whether the row `count` asks for exists; not_found naming it otherwise.
Status must_exist(Connection& connection, const Query& count, const std::string& id, std::string_view noun) {
  std::int64_t found = 0;
  auto done = connection.execute(count, {id}, [&](const Row& row) { found = row.integer(0); });
  if (!done) return done.error();
  if (found == 0) return not_found("no " + std::string(noun) + " " + id);
  return {};
}

Status revoked_one(Result<std::int64_t> revoked, const std::string& id) {
  if (!revoked) return revoked.error();
  if (*revoked == 0) return not_found("no token " + id);
  return {};
}

}  // namespace

Result<CreatedToken> SqlStore::create_token(std::string_view name, TokenScope scope, std::string_view workflow_id) {
  if (auto checked = check_name("token name", name); !checked) return checked.error();
  if (scope == TokenScope::Personal) return invalid("personal tokens are made for a user (create_personal_token)");
  std::optional<std::string> workflow;
  if (!workflow_id.empty()) {
    workflow = canonical_id(workflow_id);
    if (!workflow) return bad_id(workflow_id);
    if (scope != TokenScope::Agent) return invalid("only agent tokens can be limited to one workflow");
  }
  CreatedToken created{{.id = core::Uuid::new_v7().to_string(),
                        .name = std::string(name),
                        .scope = scope,
                        .workflow_id = workflow.value_or(""),
                        .created_at = now()},
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
  return with_connection([&](Connection& connection) { return select_tokens(connection, kAllTokens, {}); });
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
    if (token->expires_at && *token->expires_at <= at) return not_found("token expired");
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

Result<CreatedToken> SqlStore::create_personal_token(const NewPersonalToken& request) {
  if (auto checked = check_name("token name", request.name); !checked) return checked.error();
  auto user = canonical_id(request.user_id);
  if (!user) return bad_id(request.user_id);
  std::optional<std::string> project;
  if (!request.project_id.empty()) {
    project = canonical_id(request.project_id);
    if (!project) return bad_id(request.project_id);
  }
  const Timestamp created_at = now();
  CreatedToken created{{.id = core::Uuid::new_v7().to_string(),
                        .name = request.name,
                        .scope = TokenScope::Personal,
                        .created_at = created_at,
                        .user_id = *user,
                        .access = request.access,
                        .project_id = project.value_or(""),
                        .expires_at = request.expires_at},
                       new_token_secret()};
  const std::string hash = sha256_hex(created.secret);
  auto inserted = in_transaction([&](Connection& connection) -> Result<std::int64_t> {
    if (auto found = must_exist(connection, kCountUsers, *user, "user"); !found) return found.error();
    if (project)
      if (auto found = must_exist(connection, kCountProjects, *project, "project"); !found) return found.error();
    const ApiToken& token = created.token;
    return connection.execute(kInsertPersonalToken,
                              {token.id, token.name, hash, to_millis(created_at), *user,
                               request.access == TokenAccess::Read ? "read" : "write", project,
                               to_millis(request.expires_at)});
  });
  if (!inserted) return inserted.error();
  return created;
}

Result<std::vector<ApiToken>> SqlStore::list_personal_tokens(std::string_view user_id) {
  if (user_id.empty())
    return with_connection([&](Connection& connection) { return select_tokens(connection, kPersonalTokens, {}); });
  auto user = canonical_id(user_id);
  if (!user) return bad_id(user_id);
  return with_connection([&](Connection& connection) { return select_tokens(connection, kUserTokens, {*user}); });
}

Status SqlStore::revoke_personal_token(std::string_view id, std::string_view user_id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  const auto at = to_millis(now());
  if (user_id.empty())
    return revoked_one(with_connection([&](Connection& connection) {
                         return connection.execute(kRevokePersonalToken, {at, *key});
                       }),
                       *key);
  auto user = canonical_id(user_id);
  if (!user) return bad_id(user_id);
  return revoked_one(
      with_connection([&](Connection& connection) { return connection.execute(kRevokeUserToken, {at, *key, *user}); }),
      *key);
}

}  // namespace store
