// Caches and artifacts of SqlStore: the rows that name blobs of the blob
// store by digest, and the pins that keep a blob just uploaded from the
// pruner (docs/storage.md, "Caches and artifacts").
//
// The race the pins close. A blob is uploaded first, and only then named
// by a cache entry or an artifact; the pruner removes blobs nothing names.
// Were the pruner to ask "is it named?" and then remove the blob, an upload
// of the same digest in between (which finds the blob present, so sends
// nothing) and the entry made after it would name a blob that is gone. So
// both sides take the digest's row in blob_pins: the pruner holds it, in
// one transaction, while it asks and removes (prune_blob); an upload's
// commit writes it (pin_blob), and so does the transaction that makes an
// entry or an artifact. Whichever comes second waits for the first: after
// a pin the pruner sees it (a pin younger than the grace period keeps the
// blob), and after a removal the uploader finds the blob missing and sends
// it again, or the entry's maker (which checks the blob after it) takes
// the entry back. The grace period covers the time between an upload and
// the entry that names it.
#include <algorithm>

#include "blobs/sha256.h"
#include "core/uuid.h"
#include "store/sql_store.h"

namespace store {

namespace {

constexpr std::size_t kMaxScope = 270;
constexpr std::size_t kMaxKey = 400;
constexpr std::size_t kMaxCacheName = 100;
constexpr std::size_t kMaxArtifactPath = 700;
constexpr std::size_t kMaxScopes = 3;
constexpr std::size_t kMaxRestoreKeys = 10;

#define FACTORY_ENTRY_COLUMNS "id, project_id, scope, cache_key, name, digest, size, created_at, last_used_at"
const Query kExactEntry{"SELECT " FACTORY_ENTRY_COLUMNS
                        " FROM cache_entries WHERE project_id = ? AND scope = ? AND cache_key = ?"};
// The same, as committed now: MariaDB's plain reads see the transaction's
// snapshot, from before another writer's entry that INSERT IGNORE just met.
const Query kExactEntryNow{"SELECT " FACTORY_ENTRY_COLUMNS
                           " FROM cache_entries WHERE project_id = ? AND scope = ? AND cache_key = ? FOR UPDATE",
                           nullptr,
                           "SELECT " FACTORY_ENTRY_COLUMNS
                           " FROM cache_entries WHERE project_id = ? AND scope = ? AND cache_key = ?"};
// SUBSTR counts characters on every backend; the prefix's length is given in characters.
const Query kNewestWithPrefix{"SELECT " FACTORY_ENTRY_COLUMNS
                              " FROM cache_entries WHERE project_id = ? AND scope = ? AND SUBSTR(cache_key, 1, ?) = ?"
                              " ORDER BY created_at DESC, id DESC LIMIT 1"};
const Query kEntriesOfProject{"SELECT " FACTORY_ENTRY_COLUMNS
                              " FROM cache_entries WHERE project_id = ? ORDER BY scope, cache_key"};
// Newest first: eviction keeps entries from the start while they fit.
const Query kEntriesByUse{"SELECT " FACTORY_ENTRY_COLUMNS
                          " FROM cache_entries WHERE project_id = ? ORDER BY last_used_at DESC, id DESC"};
#undef FACTORY_ENTRY_COLUMNS
const Query kTouchEntry{"UPDATE cache_entries SET last_used_at = ? WHERE id = ?"};
const Query kInsertEntry{
    "INSERT INTO cache_entries (id, project_id, scope, cache_key, name, digest, size, created_at, last_used_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, scope, cache_key) DO NOTHING",
    "INSERT IGNORE INTO cache_entries (id, project_id, scope, cache_key, name, digest, size, created_at,"
    " last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kDeleteEntry{"DELETE FROM cache_entries WHERE id = ? AND project_id = ?"};
const Query kDeleteEntries{"DELETE FROM cache_entries WHERE project_id = ?"};
const Query kProjectCacheSettings{"SELECT cache_limit_bytes, artifact_retention_days FROM projects WHERE id = ?"};

#define FACTORY_ARTIFACT_COLUMNS "id, workflow_id, execution_id, path, digest, size, created_at, expires_at"
const Query kArtifactById{"SELECT " FACTORY_ARTIFACT_COLUMNS " FROM artifacts WHERE id = ?"};
const Query kArtifactByPath{"SELECT " FACTORY_ARTIFACT_COLUMNS " FROM artifacts WHERE execution_id = ? AND path = ?"};
const Query kArtifactsOfWorkflow{"SELECT " FACTORY_ARTIFACT_COLUMNS
                                 " FROM artifacts WHERE workflow_id = ? ORDER BY execution_id, path"};
const Query kArtifactsOfExecution{"SELECT " FACTORY_ARTIFACT_COLUMNS
                                  " FROM artifacts WHERE execution_id = ? ORDER BY path"};
#undef FACTORY_ARTIFACT_COLUMNS
const Query kInsertArtifact{
    "INSERT INTO artifacts (id, workflow_id, execution_id, path, digest, size, created_at, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};
// The execution's project too, through its tree, for the retention.
const Query kExecutionOfWorkflow{
    "SELECT w.project_id FROM executions e JOIN stages s ON s.id = e.stage_id JOIN pipelines p ON p.id = s.pipeline_id"
    " JOIN workflows w ON w.id = p.workflow_id WHERE e.id = ? AND w.id = ?"};
const Query kExpiredArtifacts{"SELECT id FROM artifacts WHERE expires_at <= ? ORDER BY expires_at LIMIT ?"};
const Query kDeleteArtifact{"DELETE FROM artifacts WHERE id = ?"};

const Query kNamedByEntry{
    "SELECT 1 FROM cache_entries WHERE digest = ? AND project_id = ? AND scope IN (?, ?, ?) LIMIT 1"};
const Query kNamedByArtifact{"SELECT 1 FROM artifacts WHERE digest = ? AND workflow_id = ? LIMIT 1"};
const Query kNamedAnywhere{
    "SELECT 1 FROM cache_entries WHERE digest = ? UNION ALL SELECT 1 FROM artifacts WHERE digest = ?"};
const Query kForgetEntries{"DELETE FROM cache_entries WHERE digest = ?"};
const Query kForgetArtifacts{"DELETE FROM artifacts WHERE digest = ?"};

const Query kPin{"INSERT INTO blob_pins (digest, pinned_at) VALUES (?, ?)"
                 " ON CONFLICT (digest) DO UPDATE SET pinned_at = excluded.pinned_at",
                 "INSERT INTO blob_pins (digest, pinned_at) VALUES (?, ?)"
                 " ON DUPLICATE KEY UPDATE pinned_at = VALUES(pinned_at)"};
// The pruner's hold on a digest: a row made if missing (pinned at 0: never),
// then locked (SQLite's write transaction locks everything already).
const Query kHoldPin{"INSERT INTO blob_pins (digest, pinned_at) VALUES (?, 0) ON CONFLICT (digest) DO NOTHING",
                     "INSERT IGNORE INTO blob_pins (digest, pinned_at) VALUES (?, 0)"};
const Query kLockPin{"SELECT pinned_at FROM blob_pins WHERE digest = ? FOR UPDATE", nullptr,
                     "SELECT pinned_at FROM blob_pins WHERE digest = ?"};
const Query kUnpin{"DELETE FROM blob_pins WHERE digest = ?"};

CacheEntry read_entry(const Row& row) {
  return {std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2)),
          std::string(row.text(3)), std::string(row.text(4)), std::string(row.text(5)),
          row.integer(6),           from_millis(row.integer(7)), from_millis(row.integer(8))};
}

Artifact read_artifact(const Row& row) {
  return {std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2)), std::string(row.text(3)),
          std::string(row.text(4)), row.integer(5), from_millis(row.integer(6)), from_millis(row.integer(7))};
}

Status check_digest(std::string_view digest) {
  if (blobs::is_digest(digest)) return {};
  return invalid("digest '" + std::string(digest.substr(0, 100)) + "' is not a SHA-256 digest (64 lowercase hex digits)");
}

// Text a cache key, scope or artifact path may be: 1..`max` bytes of UTF-8
// (as far as a lead byte's count of continuation bytes goes) without
// control characters.
Status check_text(std::string_view what, std::string_view text, std::size_t max) {
  if (text.empty()) return invalid(std::string(what) + " must not be empty");
  if (text.size() > max) return invalid(std::string(what) + " is longer than " + std::to_string(max) + " bytes");
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) return invalid(std::string(what) + " holds a control character");
    const std::size_t length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 ? 2 : 0;
    if (length == 0 || i + length > text.size()) return invalid(std::string(what) + " is not UTF-8");
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return invalid(std::string(what) + " is not UTF-8");
    i += length;
  }
  return {};
}

std::int64_t characters(std::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

Status check_query(const CacheQuery& query) {
  if (query.scopes.empty() || query.scopes.size() > kMaxScopes)
    return invalid("a cache lookup reads 1 to " + std::to_string(kMaxScopes) + " scopes");
  if (query.restore_keys.size() > kMaxRestoreKeys)
    return invalid("a cache lookup takes at most " + std::to_string(kMaxRestoreKeys) + " restore keys");
  for (const std::string& scope : query.scopes)
    if (auto checked = check_text("cache scope", scope, kMaxScope); !checked) return checked;
  if (auto checked = check_text("cache key", query.key, kMaxKey); !checked) return checked;
  for (const std::string& prefix : query.restore_keys)
    if (auto checked = check_text("restore key", prefix, kMaxKey); !checked) return checked;
  return {};
}

Status check_entry(const CacheEntry& entry) {
  if (auto checked = check_text("cache scope", entry.scope, kMaxScope); !checked) return checked;
  if (auto checked = check_text("cache key", entry.key, kMaxKey); !checked) return checked;
  if (entry.name.size() > kMaxCacheName)
    return invalid("cache name is longer than " + std::to_string(kMaxCacheName) + " bytes");
  if (entry.size < 0) return invalid("a cache entry's size must not be negative");
  return check_digest(entry.digest);
}

Result<std::optional<CacheEntry>> select_entry(Connection& connection, const Query& query,
                                               std::initializer_list<Param> params) {
  std::optional<CacheEntry> entry;
  auto done = connection.execute(query, params, [&](const Row& row) { entry = read_entry(row); });
  if (!done) return done.error();
  return entry;
}

Result<std::optional<CacheHit>> lookup(Connection& connection, const std::string& project, const CacheQuery& query) {
  for (const std::string& scope : query.scopes) {
    auto found = select_entry(connection, kExactEntry, {project, scope, query.key});
    if (!found) return found.error();
    if (*found) return std::optional<CacheHit>{CacheHit{std::move(**found), true}};
  }
  for (const std::string& prefix : query.restore_keys)
    for (const std::string& scope : query.scopes) {
      auto found = select_entry(connection, kNewestWithPrefix, {project, scope, characters(prefix), prefix});
      if (!found) return found.error();
      if (*found) return std::optional<CacheHit>{CacheHit{std::move(**found), false}};
    }
  return std::optional<CacheHit>{};
}

// Deletes the least recently used entries of a project while its entries
// take more than `limit` bytes; returns how many went.
Result<std::int64_t> evict(Connection& connection, const std::string& project, std::int64_t limit) {
  std::vector<std::string> beyond;
  std::int64_t kept = 0;
  auto listed = connection.execute(kEntriesByUse, {project}, [&](const Row& row) {
    if (kept + row.integer(6) <= limit && beyond.empty())
      kept += row.integer(6);
    else
      beyond.emplace_back(row.text(0));
  });
  if (!listed) return listed.error();
  for (const std::string& id : beyond)
    if (auto deleted = connection.execute(kDeleteEntry, {id, project}); !deleted) return deleted.error();
  return static_cast<std::int64_t>(beyond.size());
}

struct CacheSettings {
  std::int64_t limit = 0;
  int retention_days = 0;
};

Result<CacheSettings> cache_settings(Connection& connection, const std::string& project) {
  std::optional<CacheSettings> settings;
  auto done = connection.execute(kProjectCacheSettings, {project}, [&](const Row& row) {
    settings = CacheSettings{row.integer(0), static_cast<int>(row.integer(1))};
  });
  if (!done) return done.error();
  if (!settings) return not_found("no project " + project);
  return *settings;
}

Result<std::optional<Artifact>> select_artifact(Connection& connection, const Query& query,
                                                std::initializer_list<Param> params) {
  std::optional<Artifact> artifact;
  auto done = connection.execute(query, params, [&](const Row& row) { artifact = read_artifact(row); });
  if (!done) return done.error();
  return artifact;
}

Result<bool> exists(Connection& connection, const Query& query, std::initializer_list<Param> params) {
  bool found = false;
  auto done = connection.execute(query, params, [&](const Row&) { found = true; });
  if (!done) return done.error();
  return found;
}

}  // namespace

Result<std::optional<CacheHit>> SqlStore::find_cache_entry(const CacheQuery& query, Timestamp now) {
  auto project = canonical_id(query.project_id);
  if (!project) return bad_id(query.project_id);
  if (auto checked = check_query(query); !checked) return checked.error();
  return in_transaction([&](Connection& connection) -> Result<std::optional<CacheHit>> {
    auto hit = lookup(connection, *project, query);
    if (!hit || !*hit) return hit;
    if (auto touched = connection.execute(kTouchEntry, {to_millis(now), (*hit)->entry.id}); !touched)
      return touched.error();
    (*hit)->entry.last_used_at = now;
    return hit;
  });
}

Result<CacheCommit> SqlStore::commit_cache_entry(const CacheEntry& request, Timestamp now) {
  auto project = canonical_id(request.project_id);
  if (!project) return bad_id(request.project_id);
  if (auto checked = check_entry(request); !checked) return checked.error();
  return in_contended_transaction([&](Connection& connection) -> Result<CacheCommit> {
    auto settings = cache_settings(connection, *project);
    if (!settings) return settings.error();
    if (request.size > settings->limit)
      return invalid("the cache entry's " + std::to_string(request.size) + " bytes are more than the project's limit (" +
                     std::to_string(settings->limit) + " bytes, its cache_limit_bytes)");
    if (auto pinned = connection.execute(kPin, {request.digest, to_millis(now)}); !pinned) return pinned.error();
    CacheCommit commit{request, false, 0};
    commit.entry.id = core::Uuid::new_v7().to_string();
    commit.entry.project_id = *project;
    commit.entry.created_at = commit.entry.last_used_at = now;
    const CacheEntry& entry = commit.entry;
    auto inserted = connection.execute(kInsertEntry, {entry.id, entry.project_id, entry.scope, entry.key, entry.name,
                                                      entry.digest, entry.size, to_millis(now), to_millis(now)});
    if (!inserted) return inserted.error();
    commit.created = *inserted > 0;
    if (!commit.created) {
      auto first = select_entry(connection, kExactEntryNow, {*project, entry.scope, entry.key});
      if (!first) return first.error();
      if (!*first) return conflict("the cache entry was deleted while it was saved; save it again");
      commit.entry = std::move(**first);
    }
    auto evicted = evict(connection, *project, settings->limit);
    if (!evicted) return evicted.error();
    commit.evicted = *evicted;
    return commit;
  });
}

Result<std::vector<CacheEntry>> SqlStore::list_cache_entries(std::string_view project_id) {
  auto project = canonical_id(project_id);
  if (!project) return bad_id(project_id);
  return with_connection([&](Connection& connection) -> Result<std::vector<CacheEntry>> {
    std::vector<CacheEntry> entries;
    auto done = connection.execute(kEntriesOfProject, {*project},
                                   [&](const Row& row) { entries.push_back(read_entry(row)); });
    if (!done) return done.error();
    return entries;
  });
}

Status SqlStore::delete_cache_entry(std::string_view project_id, std::string_view entry_id) {
  auto project = canonical_id(project_id);
  if (!project) return bad_id(project_id);
  auto entry = canonical_id(entry_id);
  if (!entry) return not_found("no cache entry " + std::string(entry_id.substr(0, 100)));
  auto deleted = with_connection([&](Connection& connection) { return connection.execute(kDeleteEntry, {*entry, *project}); });
  if (!deleted) return deleted.error();
  if (*deleted == 0) return not_found("no cache entry " + *entry + " in project " + *project);
  return {};
}

Result<std::int64_t> SqlStore::delete_cache_entries(std::string_view project_id) {
  auto project = canonical_id(project_id);
  if (!project) return bad_id(project_id);
  return with_connection([&](Connection& connection) { return connection.execute(kDeleteEntries, {*project}); });
}

Result<Artifact> SqlStore::add_artifact(const Artifact& request, Timestamp now) {
  auto workflow = canonical_id(request.workflow_id);
  if (!workflow) return bad_id(request.workflow_id);
  auto execution = canonical_id(request.execution_id);
  if (!execution) return bad_id(request.execution_id);
  if (auto checked = check_text("artifact path", request.path, kMaxArtifactPath); !checked) return checked.error();
  if (auto checked = check_digest(request.digest); !checked) return checked.error();
  if (request.size < 0) return invalid("an artifact's size must not be negative");
  return in_contended_transaction([&](Connection& connection) -> Result<Artifact> {
    std::string project;
    auto found = connection.execute(kExecutionOfWorkflow, {*execution, *workflow},
                                    [&](const Row& row) { project = row.text(0); });
    if (!found) return found.error();
    if (project.empty()) return not_found("no execution " + *execution + " in workflow " + *workflow);
    auto first = select_artifact(connection, kArtifactByPath, {*execution, request.path});
    if (!first) return first.error();
    if (*first) {
      if ((*first)->digest == request.digest && (*first)->size == request.size) return std::move(**first);
      return conflict("execution " + *execution + " has an artifact " + request.path + " with other contents");
    }
    auto settings = cache_settings(connection, project);
    if (!settings) return settings.error();
    if (auto pinned = connection.execute(kPin, {request.digest, to_millis(now)}); !pinned) return pinned.error();
    Artifact artifact{core::Uuid::new_v7().to_string(), *workflow, *execution, request.path, request.digest,
                      request.size, now, now + std::chrono::days{settings->retention_days}};
    auto inserted = connection.execute(kInsertArtifact, {artifact.id, artifact.workflow_id, artifact.execution_id,
                                                         artifact.path, artifact.digest, artifact.size,
                                                         to_millis(now), to_millis(artifact.expires_at)});
    if (!inserted) return inserted.error();
    return artifact;
  });
}

Result<std::vector<Artifact>> SqlStore::list_artifacts(std::string_view workflow_id) {
  return artifacts_of(kArtifactsOfWorkflow, workflow_id);
}

Result<std::vector<Artifact>> SqlStore::list_execution_artifacts(std::string_view execution_id) {
  return artifacts_of(kArtifactsOfExecution, execution_id);
}

Result<std::vector<Artifact>> SqlStore::artifacts_of(const Query& query, std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return with_connection([&](Connection& connection) -> Result<std::vector<Artifact>> {
    std::vector<Artifact> artifacts;
    auto done = connection.execute(query, {*key}, [&](const Row& row) { artifacts.push_back(read_artifact(row)); });
    if (!done) return done.error();
    return artifacts;
  });
}

Result<Artifact> SqlStore::get_artifact(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return with_connection([&](Connection& connection) -> Result<Artifact> {
    auto artifact = select_artifact(connection, kArtifactById, {*key});
    if (!artifact) return artifact.error();
    if (!*artifact) return not_found("no artifact " + *key);
    return std::move(**artifact);
  });
}

Result<std::int64_t> SqlStore::delete_expired_artifacts(Timestamp now, int batch) {
  if (batch < 1 || batch > 10'000) return invalid("batch must be 1..10000");
  return in_transaction([&](Connection& connection) -> Result<std::int64_t> {
    std::vector<std::string> expired;
    auto listed = connection.execute(kExpiredArtifacts, {to_millis(now), batch},
                                     [&](const Row& row) { expired.emplace_back(row.text(0)); });
    if (!listed) return listed.error();
    for (const std::string& id : expired)
      if (auto deleted = connection.execute(kDeleteArtifact, {id}); !deleted) return deleted.error();
    return static_cast<std::int64_t>(expired.size());
  });
}

Result<bool> SqlStore::blob_readable(std::string_view digest, std::string_view project_id,
                                     std::span<const std::string> scopes, std::string_view workflow_id) {
  if (auto checked = check_digest(digest); !checked) return checked.error();
  auto project = canonical_id(project_id);
  auto workflow = canonical_id(workflow_id);
  if (!project || !workflow) return bad_id(project ? workflow_id : project_id);
  return with_connection([&](Connection& connection) -> Result<bool> {
    if (!scopes.empty()) {
      // The query takes three scopes; fewer are repeated.
      const std::string& a = scopes[0];
      const std::string& b = scopes[std::min<std::size_t>(1, scopes.size() - 1)];
      const std::string& c = scopes[std::min<std::size_t>(2, scopes.size() - 1)];
      auto named = exists(connection, kNamedByEntry, {digest, *project, a, b, c});
      if (!named || *named) return named;
    }
    return exists(connection, kNamedByArtifact, {digest, *workflow});
  });
}

Result<std::int64_t> SqlStore::forget_blob(std::string_view digest) {
  if (auto checked = check_digest(digest); !checked) return checked.error();
  return in_transaction([&](Connection& connection) -> Result<std::int64_t> {
    auto entries = connection.execute(kForgetEntries, {digest});
    if (!entries) return entries.error();
    auto artifacts = connection.execute(kForgetArtifacts, {digest});
    if (!artifacts) return artifacts.error();
    return *entries + *artifacts;
  });
}

Status SqlStore::pin_blob(std::string_view digest, Timestamp now) {
  if (auto checked = check_digest(digest); !checked) return checked;
  auto pinned = in_contended_transaction([&](Connection& connection) { return connection.execute(kPin, {digest, to_millis(now)}); });
  if (!pinned) return pinned.error();
  return {};
}

Result<bool> SqlStore::prune_blob(std::string_view digest, Timestamp pinned_before,
                                  const std::function<bool()>& remove) {
  if (auto checked = check_digest(digest); !checked) return checked.error();
  return in_contended_transaction([&](Connection& connection) -> Result<bool> {
    if (auto held = connection.execute(kHoldPin, {digest}); !held) return held.error();
    std::int64_t pinned_at = 0;
    auto locked = connection.execute(kLockPin, {digest}, [&](const Row& row) { pinned_at = row.integer(0); });
    if (!locked) return locked.error();
    if (pinned_at >= to_millis(pinned_before)) return false;  // just uploaded: its entry may be on the way
    if (auto unpinned = connection.execute(kUnpin, {digest}); !unpinned) return unpinned.error();
    auto named = exists(connection, kNamedAnywhere, {digest, digest});
    if (!named) return named.error();
    if (*named) return false;
    return remove();
  });
}

}  // namespace store
