// Sessions of SqlStore, and the states of sign-ins under way: both known to
// the store only by the SHA-256 of their secret, so that a copy of the
// database signs no one in.
#include "core/uuid.h"
#include "store/sql_store.h"
#include "store/token_secret.h"

namespace store {

namespace {

// Recording every use would turn each request into a write; idle expiry is
// this much less precise.
constexpr std::chrono::minutes kLastSeenResolution{1};

const Query kInsertSession{
    "INSERT INTO sessions (id, secret_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)"};
const Query kSessionByHash{
    "SELECT u.id, u.github_id, u.login, u.name, u.avatar_url, u.created_at, u.last_sign_in_at,"
    " s.id, s.csrf_token, s.created_at, s.last_seen_at"
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?"};
const Query kTouchSession{"UPDATE sessions SET last_seen_at = ? WHERE id = ?"};
const Query kDeleteSession{"DELETE FROM sessions WHERE id = ?"};
const Query kDeleteSessionByHash{"DELETE FROM sessions WHERE secret_hash = ?"};
// Begun before the first bound or last seen before the second.
const Query kDeleteExpiredSessions{"DELETE FROM sessions WHERE created_at <= ? OR last_seen_at <= ?"};

const Query kInsertState{"INSERT INTO sign_in_states (state_hash, return_to, expires_at) VALUES (?, ?, ?)"};
const Query kStateByHash{"SELECT return_to, expires_at FROM sign_in_states WHERE state_hash = ?"};
const Query kDeleteState{"DELETE FROM sign_in_states WHERE state_hash = ?"};
const Query kDeleteExpiredStates{"DELETE FROM sign_in_states WHERE expires_at <= ?"};

Session read_session(const Row& row) {
  return Session{.id = std::string{row.text(7)},
                 .user = read_user(row),
                 .csrf_token = std::string{row.text(8)},
                 .created_at = from_millis(row.integer(9)),
                 .last_seen_at = from_millis(row.integer(10))};
}

bool expired(const Session& session, Timestamp now, const SessionPolicy& policy) {
  return now >= session.created_at + policy.lifetime || now >= session.last_seen_at + policy.idle;
}

}  // namespace

Result<CreatedSession> SqlStore::create_session(std::string_view user_id, Timestamp now, const SessionPolicy& policy) {
  auto user = get_user(user_id);
  if (!user) return user.error();
  CreatedSession created{{.id = core::Uuid::new_v7().to_string(), .user = std::move(*user),
                          .csrf_token = random_hex(32), .created_at = now, .last_seen_at = now},
                         random_hex(32)};
  const Session& session = created.session;
  auto inserted = in_transaction([&](Connection& connection) -> Result<std::int64_t> {
    auto purged = connection.execute(kDeleteExpiredSessions,
                                     {to_millis(now - policy.lifetime), to_millis(now - policy.idle)});
    if (!purged) return purged.error();
    return connection.execute(kInsertSession, {session.id, sha256_hex(created.secret), session.user.id,
                                               session.csrf_token, to_millis(now), to_millis(now)});
  });
  if (!inserted) return inserted.error();
  return created;
}

Result<Session> SqlStore::use_session(std::string_view secret, Timestamp now, const SessionPolicy& policy) {
  const std::string hash = sha256_hex(secret);
  return with_connection([&](Connection& connection) -> Result<Session> {
    std::optional<Session> session;
    auto done = connection.execute(kSessionByHash, {hash}, [&](const Row& row) { session = read_session(row); });
    if (!done) return done.error();
    if (!session) return not_found("no such session");
    if (expired(*session, now, policy)) {
      if (auto deleted = connection.execute(kDeleteSession, {session->id}); !deleted) return deleted.error();
      return not_found("the session has expired");
    }
    if (now - session->last_seen_at >= kLastSeenResolution) {
      if (auto touched = connection.execute(kTouchSession, {to_millis(now), session->id}); !touched)
        return touched.error();
      session->last_seen_at = now;
    }
    return std::move(*session);
  });
}

Status SqlStore::end_session(std::string_view secret) {
  auto deleted = with_connection(
      [&](Connection& connection) { return connection.execute(kDeleteSessionByHash, {sha256_hex(secret)}); });
  if (!deleted) return deleted.error();
  return {};
}

Status SqlStore::save_sign_in_state(std::string_view state, std::string_view return_to, Timestamp now,
                                    std::chrono::milliseconds lifetime) {
  if (return_to.size() > 2048) return invalid("a sign-in's return path has at most 2048 bytes");
  auto saved = in_transaction([&](Connection& connection) -> Result<std::int64_t> {
    auto purged = connection.execute(kDeleteExpiredStates, {to_millis(now)});
    if (!purged) return purged.error();
    return connection.execute(kInsertState, {sha256_hex(state), return_to, to_millis(now + lifetime)});
  });
  if (!saved) return saved.error();
  return {};
}

Result<std::string> SqlStore::take_sign_in_state(std::string_view state, Timestamp now) {
  const std::string hash = sha256_hex(state);
  return in_transaction([&](Connection& connection) -> Result<std::string> {
    std::optional<std::pair<std::string, Timestamp>> found;
    auto done = connection.execute(kStateByHash, {hash}, [&](const Row& row) {
      found.emplace(std::string{row.text(0)}, from_millis(row.integer(1)));
    });
    if (!done) return done.error();
    if (!found) return not_found("unknown or used sign-in state");
    // Only the transaction that deletes the row may use it: two callbacks
    // with one state cannot both sign in.
    auto deleted = connection.execute(kDeleteState, {hash});
    if (!deleted) return deleted.error();
    if (*deleted == 0) return not_found("unknown or used sign-in state");
    if (now >= found->second) return not_found("the sign-in state has expired");
    return std::move(found->first);
  });
}

}  // namespace store
