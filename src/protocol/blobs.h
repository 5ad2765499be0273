// The agent protocol's calls for caches and artifacts (docs/agents.md,
// "Caches and artifacts"): blobs uploaded and downloaded in bounded
// chunks, cache lookups and commits, artifacts registered. Each is about
// the claimed workflow, with the agent token and the lease header of every
// other call (protocol.h); the server decides every scope from that
// workflow, never from what the agent says. Under
// /api/v1/agent/workflows/{id}/:
//
//   POST blobs/{digest}/upload  BlobUploadRequest → 200 BlobUploadState: where to resume
//   POST blobs/{digest}/append?offset=N&size=S  the next bytes (application/octet-stream, at most
//        kBlobChunk) → 200 BlobUploadState; 409 `offset_mismatch` when N is not what the server
//        holds (the body is then the BlobUploadState to resume from). The chunk that ends the blob
//        commits it too: complete, or 422 `corrupt` as commit answers
//   POST blobs/{digest}/commit  BlobUploadRequest → 200 BlobUploadState (complete); 409 `incomplete`
//        (bytes missing: resume); 422 `corrupt` (size or SHA-256 wrong: the upload was discarded)
//   GET  blobs/{digest}  with "Range: bytes=A-" or "bytes=A-B" → 206, at most kBlobChunk bytes from
//        A (Content-Range says which); 404 for a blob the workflow may not read, or one found
//        corrupt (and removed); 416 past its end
//   POST cache/lookup   CacheLookup → 200 CacheLookupAnswer (a hit, or a miss)
//   POST cache/commit   CacheCommitRequest → 200 CacheCommitAnswer; 403 `not_writable` (a workflow
//        with no scope of its own to write); 409 `blob_missing` (upload it first)
//   POST artifacts      ArtifactRegistration → 200 ArtifactAnswer; 409 `blob_missing`
//
// Bodies are JSON but for append's and download's. In a request, a field
// the server does not know is Malformed, as a missing or mistyped one is;
// answers may grow fields, which older agents ignore.
// Functions only; no state, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace protocol {

// The most bytes one append takes and one download answers.
inline constexpr std::size_t kBlobChunk = std::size_t{8} << 20;

enum class BlobCall { Upload, Append, Commit, Download };
std::string blob_path(std::string_view workflow_id, std::string_view digest, BlobCall call);
std::string blob_route_pattern(BlobCall call);  // with {id} and {digest}
// Append's path with its query.
std::string append_path(std::string_view workflow_id, std::string_view digest, std::uint64_t offset,
                        std::uint64_t size);

enum class CacheCall { Lookup, Commit, Artifacts };
std::string cache_path(std::string_view workflow_id, CacheCall call);
std::string cache_route_pattern(CacheCall call);

struct BlobUploadRequest {
  std::uint64_t size = 0;  // of the whole blob
};

struct BlobUploadState {
  std::uint64_t offset = 0;  // the bytes the server holds: the next append starts here
  std::uint64_t size = 0;
  bool complete = false;     // the blob is stored (committed, by this upload or before)

  bool operator==(const BlobUploadState&) const = default;
};

struct CacheLookup {
  std::string name;  // the `cache` block's label, for people
  std::string key;
  std::vector<std::string> restore_keys;  // prefixes, in order

  bool operator==(const CacheLookup&) const = default;
};

struct CacheLookupAnswer {
  bool hit = false;
  std::string key;  // the entry's: the key asked for, or one a restore key matched
  std::string digest;
  std::uint64_t size = 0;
  bool exact = false;  // the key itself matched

  bool operator==(const CacheLookupAnswer&) const = default;
};

struct CacheCommitRequest {
  std::string name;
  std::string key;
  std::string digest;  // a blob uploaded before
  std::uint64_t size = 0;

  bool operator==(const CacheCommitRequest&) const = default;
};

struct CacheCommitAnswer {
  bool created = false;  // false: an entry of that key was there already (another agent saved it first)
  std::string scope;     // where it is kept

  bool operator==(const CacheCommitAnswer&) const = default;
};

struct ArtifactRegistration {
  std::string execution;  // an execution of the claimed workflow
  std::string path;       // within the execution's workspace
  std::string digest;
  std::uint64_t size = 0;

  bool operator==(const ArtifactRegistration&) const = default;
};

struct ArtifactAnswer {
  std::string id;
  std::int64_t expires_at_ms = 0;  // unix milliseconds

  bool operator==(const ArtifactAnswer&) const = default;
};

// The error codes of the refusals above.
inline constexpr std::string_view kOffsetMismatch = "offset_mismatch";
inline constexpr std::string_view kIncomplete = "incomplete";
inline constexpr std::string_view kCorrupt = "corrupt";
inline constexpr std::string_view kNotWritable = "not_writable";
inline constexpr std::string_view kBlobMissing = "blob_missing";

nlohmann::json to_json(const BlobUploadRequest& request);
BlobUploadRequest blob_upload_request_from_json(const nlohmann::json& json);
nlohmann::json to_json(const BlobUploadState& state);
BlobUploadState blob_upload_state_from_json(const nlohmann::json& json);
nlohmann::json to_json(const CacheLookup& lookup);
CacheLookup cache_lookup_from_json(const nlohmann::json& json);
nlohmann::json to_json(const CacheLookupAnswer& answer);
CacheLookupAnswer cache_lookup_answer_from_json(const nlohmann::json& json);
nlohmann::json to_json(const CacheCommitRequest& request);
CacheCommitRequest cache_commit_request_from_json(const nlohmann::json& json);
nlohmann::json to_json(const CacheCommitAnswer& answer);
CacheCommitAnswer cache_commit_answer_from_json(const nlohmann::json& json);
nlohmann::json to_json(const ArtifactRegistration& registration);
ArtifactRegistration artifact_registration_from_json(const nlohmann::json& json);
nlohmann::json to_json(const ArtifactAnswer& answer);
ArtifactAnswer artifact_answer_from_json(const nlohmann::json& json);

}  // namespace protocol
