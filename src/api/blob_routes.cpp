// The agent protocol's calls for caches and artifacts (protocol/blobs.h,
// docs/agents.md "Caches and artifacts"): blobs uploaded in bounded chunks
// and downloaded by range, cache lookups and commits, artifacts. Each call
// is about the caller's leased workflow (agent_workflow), and what it may
// read or write is decided here from that workflow's event and project,
// never from what the agent says.
#include <nlohmann/json.hpp>

#include "api/agent_calls.h"
#include "api/blob_common.h"
#include "api/json_input.h"
#include "api/routes.h"
#include "blobs/sha256.h"
#include "protocol/blobs.h"

namespace api {

namespace {

using nlohmann::json;

// The largest blob an agent may upload: a cache or an artifact archive.
constexpr std::uint64_t kLargestBlob = std::uint64_t{64} << 30;

// A workflow's call, and what its project says about caches.
struct BlobCaller {
  store::Workflow workflow;
  store::Project project;
  CacheScopes scopes;
};

BlobCaller blob_caller(store::Store& store, const http::Request& request) {
  store::Workflow workflow = agent_workflow(store, request);
  store::Project project = unwrap(store.get_project(workflow.project_id));
  CacheScopes scopes = cache_scopes(workflow.event, project.default_branch);
  return {std::move(workflow), std::move(project), std::move(scopes)};
}

std::string digest_of(const http::Request& request) {
  std::string digest{request.param("digest").value_or("")};
  if (!blobs::is_digest(digest)) fail(400, "bad_request", "the blob's name is not a SHA-256 digest (64 lowercase hex digits)");
  return digest;
}

std::uint64_t checked_size(std::uint64_t size) {
  if (size > kLargestBlob)
    fail(413, "too_large", "a blob may have at most " + std::to_string(kLargestBlob) + " bytes");
  return size;
}

http::Response state_answer(int status, const protocol::BlobUploadState& state) {
  return http::Response::json(status, protocol::to_json(state));
}

// A refusal that carries the upload's state beside the error, for the
// agent to resume from.
http::Response state_refusal(int status, std::string_view code, const std::string& message,
                             const protocol::BlobUploadState& state) {
  json body = protocol::to_json(state);
  body["error"] = {{"code", code}, {"message", message}};
  return http::Response::json(status, body);
}

// Where an upload of `digest` stands: complete when the blob is stored.
protocol::BlobUploadState upload_state(blobs::Store& blobs, const std::string& digest, std::uint64_t size) {
  auto upload = unwrap(blobs.begin_upload(digest, size));
  auto stored = blobs.stat(digest);
  if (!stored && stored.error().kind != blobs::ErrorKind::NotFound) fail(stored.error());
  return {upload->offset(), size, stored.ok()};
}

http::Response begin_upload(store::Store& store, blobs::Store& blobs, http::Request& request) {
  agent_workflow(store, request);
  const std::string digest = digest_of(request);
  const auto asked = read_body(request, protocol::blob_upload_request_from_json);
  return state_answer(200, upload_state(blobs, digest, checked_size(asked.size)));
}

// Commits an upload that holds every byte: see commit() for the pin before.
http::Response committed_answer(blobs::Upload& upload, std::uint64_t size) {
  const blobs::Status committed = upload.commit();
  if (!committed && committed.error().kind == blobs::ErrorKind::Corrupt)
    fail(422, std::string{protocol::kCorrupt}, committed.error().message + "; upload it again from the start");
  unwrap(committed);
  return state_answer(200, {size, size, true});
}

// Chunks of at most kBlobChunk, each opening the upload again where the
// store holds it. S3Store keeps only whole parts between requests: its
// part size is kBlobChunk, so that every chunk but the last is one.
http::Response append(store::Store& store, blobs::Store& blobs, const ApiOptions& options, http::Request& request) {
  agent_workflow(store, request);
  const std::string digest = digest_of(request);
  const auto offset = integer_query<std::uint64_t>(request, "offset");
  const auto size = integer_query<std::uint64_t>(request, "size");
  if (!offset || !size) fail(400, "bad_request", "append needs ?offset= and ?size= (of the whole blob)");
  auto upload = unwrap(blobs.begin_upload(digest, checked_size(*size)));
  const protocol::BlobUploadState held{upload->offset(), *size, false};
  if (held.offset != *offset)
    return state_refusal(409, protocol::kOffsetMismatch,
                         "the server holds " + std::to_string(held.offset) + " bytes of this blob: append from there",
                         held);
  const blobs::Status appended = upload->append(*offset, request.body);
  if (!appended && appended.error().kind == blobs::ErrorKind::Conflict)
    return state_refusal(409, protocol::kOffsetMismatch, appended.error().message, {upload->offset(), *size, false});
  unwrap(appended);
  if (upload->offset() < *size) return state_answer(200, {upload->offset(), *size, false});
  // The last chunk commits with the same Upload: S3Store keeps a part
  // shorter than its part size in memory only, until commit sends it.
  unwrap(store.pin_blob(digest, now(options)));
  return committed_answer(*upload, *size);
}

// The digest is pinned first, so that the pruner, which may be removing the
// blob as unused right now, either finishes first (the blob is then found
// missing and sent again) or sees the pin and keeps it (store::Store::prune_blob).
http::Response commit(store::Store& store, blobs::Store& blobs, const ApiOptions& options, http::Request& request) {
  agent_workflow(store, request);
  const std::string digest = digest_of(request);
  const std::uint64_t size = checked_size(read_body(request, protocol::blob_upload_request_from_json).size);
  unwrap(store.pin_blob(digest, now(options)));
  auto upload = unwrap(blobs.begin_upload(digest, size));
  if (upload->offset() < size)
    return state_refusal(409, protocol::kIncomplete,
                         "the server holds " + std::to_string(upload->offset()) + " of " + std::to_string(size) +
                             " bytes: append the rest first",
                         {upload->offset(), size, false});
  return committed_answer(*upload, size);
}

// Ranges of at most kBlobChunk bytes of a blob the workflow may read. The
// first range (from byte 0) reads the whole blob first to check it: a
// corrupt one is removed, with the entries naming it, and answered 404.
http::Response download(store::Store& store, blobs::Store& blobs, http::Request& request) {
  const BlobCaller caller = blob_caller(store, request);
  const std::string digest = digest_of(request);
  const std::string no_blob = "this workflow has no blob " + digest;
  if (!unwrap(store.blob_readable(digest, caller.project.id, caller.scopes.read, caller.workflow.id)))
    fail(404, "not_found", no_blob);
  auto stored = blobs.stat(digest);
  if (!stored && stored.error().kind == blobs::ErrorKind::NotFound) {
    unwrap(store.forget_blob(digest));  // named, but lost: what names it goes too
    fail(404, "not_found", no_blob);
  }
  const blobs::BlobInfo info = unwrap(std::move(stored));
  RangeProblem problem;
  const auto range = parse_range(request.header("Range").value_or(""), info.size, problem);
  if (!range && problem == RangeProblem::Unsatisfiable) {
    http::Response refusal = http::Response::error(416, "range_not_satisfiable", "the range starts past the blob's end");
    refusal.headers.set("Content-Range", "bytes */" + std::to_string(info.size));
    return refusal;
  }
  if (!range) fail(400, "bad_request", "a blob is read with \"Range: bytes=FIRST-\" or \"bytes=FIRST-LAST\"");
  if (range->first == 0 && !verify_blob(blobs, store, digest)) fail(404, "not_found", no_blob + " (it was corrupt)");
  const std::uint64_t length = std::min<std::uint64_t>(range->length(), protocol::kBlobChunk);
  http::Response answer = http::Response::text(206, read_blob_range(blobs, digest, range->first, length),
                                               "application/octet-stream");
  answer.headers.set("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                          std::to_string(range->first + length - 1) + "/" + std::to_string(info.size));
  return answer;
}

// A hit whose blob is gone (removed by hand, or lost) is forgotten: a miss.
http::Response lookup(store::Store& store, blobs::Store& blobs, const ApiOptions& options, http::Request& request) {
  const BlobCaller caller = blob_caller(store, request);
  const protocol::CacheLookup asked = read_body(request, protocol::cache_lookup_from_json);
  const auto hit = unwrap(store.find_cache_entry(
      {caller.project.id, caller.scopes.read, asked.key, asked.restore_keys}, now(options)));
  if (!hit) return http::Response::json(200, protocol::to_json(protocol::CacheLookupAnswer{}));
  const auto stored = blobs.stat(hit->entry.digest);
  if (!stored && stored.error().kind == blobs::ErrorKind::NotFound) {
    unwrap(store.forget_blob(hit->entry.digest));
    return http::Response::json(200, protocol::to_json(protocol::CacheLookupAnswer{}));
  }
  unwrap(stored);
  return http::Response::json(
      200, protocol::to_json(protocol::CacheLookupAnswer{true, hit->entry.key, hit->entry.digest,
                                                         static_cast<std::uint64_t>(hit->entry.size), hit->exact}));
}

// The blob a new entry or artifact names, pinned and then checked to be
// there with its size: pinned first for the reason commit() says.
void check_blob(store::Store& store, blobs::Store& blobs, const ApiOptions& options, const std::string& digest,
                std::uint64_t size) {
  if (!blobs::is_digest(digest)) fail(400, "bad_request", "digest is not a SHA-256 digest (64 lowercase hex digits)");
  unwrap(store.pin_blob(digest, now(options)));
  const auto stored = blobs.stat(digest);
  if (!stored && stored.error().kind == blobs::ErrorKind::NotFound)
    fail(409, std::string{protocol::kBlobMissing}, "there is no blob " + digest + ": upload it first");
  if (unwrap(stored).size != size)
    fail(409, std::string{protocol::kBlobMissing},
         "blob " + digest + " has " + std::to_string(stored->size) + " bytes, not " + std::to_string(size));
}

http::Response commit_cache(store::Store& store, blobs::Store& blobs, const ApiOptions& options,
                            http::Request& request) {
  const BlobCaller caller = blob_caller(store, request);
  const protocol::CacheCommitRequest asked = read_body(request, protocol::cache_commit_request_from_json);
  if (caller.scopes.write.empty())
    fail(403, std::string{protocol::kNotWritable},
         "a " + caller.workflow.event.name + " workflow without a branch or tag has no cache scope to save to");
  check_blob(store, blobs, options, asked.digest, asked.size);
  store::CacheEntry entry;
  entry.project_id = caller.project.id;
  entry.scope = caller.scopes.write;
  entry.key = asked.key;
  entry.name = asked.name;
  entry.digest = asked.digest;
  entry.size = static_cast<std::int64_t>(asked.size);
  const store::CacheCommit committed = unwrap(store.commit_cache_entry(entry, now(options)));
  return http::Response::json(200, protocol::to_json(protocol::CacheCommitAnswer{committed.created, entry.scope}));
}

// An artifact's path is relative and plain, so that an archive of them
// unpacks where it is opened, never above.
void check_artifact_path(std::string_view path) {
  bool plain = !path.empty() && !path.starts_with('/') && path.find('\\') == std::string_view::npos;
  for (std::size_t start = 0; plain && start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    plain = !part.empty() && part != "." && part != "..";
    start = end + 1;
  }
  if (!plain)
    fail(400, "bad_request",
         "artifact.path must be relative, without empty, \".\" or \"..\" components or backslashes");
}

http::Response register_artifact(store::Store& store, blobs::Store& blobs, const ApiOptions& options,
                                 http::Request& request) {
  const store::Workflow workflow = agent_workflow(store, request);
  const protocol::ArtifactRegistration asked = read_body(request, protocol::artifact_registration_from_json);
  check_artifact_path(asked.path);
  check_blob(store, blobs, options, asked.digest, asked.size);
  store::Artifact artifact;
  artifact.workflow_id = workflow.id;
  artifact.execution_id = asked.execution;
  artifact.path = asked.path;
  artifact.digest = asked.digest;
  artifact.size = static_cast<std::int64_t>(asked.size);
  const store::Artifact added = unwrap(store.add_artifact(artifact, now(options)));
  const auto expires = std::chrono::duration_cast<std::chrono::milliseconds>(added.expires_at.time_since_epoch());
  return http::Response::json(200, protocol::to_json(protocol::ArtifactAnswer{added.id, expires.count()}));
}

}  // namespace

void add_blob_routes(const Routes& routes) {
  store::Store& store = routes.store;
  const ApiOptions options = routes.options;
  auto add = [&](std::string method, std::string pattern, std::string name, std::size_t body_limit, auto handler) {
    routes.router.add(std::move(method), std::move(pattern),
                      guarded([&store, options, handler](http::Request& request) {
                        return handler(store, blob_store(options), options, request);
                      }),
                      {.name = std::move(name), .is_public = true, .body_limit = body_limit});
  };
  constexpr std::size_t kJson = 64 * 1024;
  add("POST", protocol::blob_route_pattern(protocol::BlobCall::Upload), "agent_blob_upload", kJson,
      [](store::Store& store, blobs::Store& blobs, const ApiOptions&, http::Request& request) {
        return begin_upload(store, blobs, request);
      });
  add("POST", protocol::blob_route_pattern(protocol::BlobCall::Append), "agent_blob_append", protocol::kBlobChunk,
      append);
  add("POST", protocol::blob_route_pattern(protocol::BlobCall::Commit), "agent_blob_commit", kJson, commit);
  add("GET", protocol::blob_route_pattern(protocol::BlobCall::Download), "agent_blob_download", 0,
      [](store::Store& store, blobs::Store& blobs, const ApiOptions&, http::Request& request) {
        return download(store, blobs, request);
      });
  add("POST", protocol::cache_route_pattern(protocol::CacheCall::Lookup), "agent_cache_lookup", kJson, lookup);
  add("POST", protocol::cache_route_pattern(protocol::CacheCall::Commit), "agent_cache_commit", kJson, commit_cache);
  add("POST", protocol::cache_route_pattern(protocol::CacheCall::Artifacts), "agent_artifacts", kJson,
      register_artifact);
}

}  // namespace api
