// The agent's side of caches and artifacts (protocol/blobs.h, docs/agents.md
// "Caches and artifacts"): what the runner calls to save and restore caches
// and to keep artifacts. Blobs go up and down in chunks of at most
// protocol::kBlobChunk, so neither side holds more of a blob than that:
//
//   BlobClient blobs{server, job.workflow_id};
//   auto answer = blobs.lookup_cache({"npm", key, {"npm-"}});
//   if (answer && answer->hit) blobs.download_blob(answer->digest, sink);   // verified: Corrupt on a mismatch
//   ...
//   blobs.upload_blob(packed.digest, packed.compressed_size, file_source(archive));
//   blobs.commit_cache({"npm", key, packed.digest, packed.compressed_size});
//
// An upload cut short (no answer, a 5xx, the agent restarted) resumes where
// the server's store stands; a download resumes with a Range from the byte
// it stopped at. Errors are blobs' (blobs/result.h): NotFound a miss or a
// blob this workflow may not read, Corrupt a blob whose bytes do not match
// its digest (discard what the sink had), Refused a call the server refuses
// (a pull request saving into a branch's scope), Invalid a malformed call,
// Io no answer after the retries.
// Thread-safety: one BlobClient per thread, as its ServerClient.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "agent/server_client.h"
#include "blobs/result.h"
#include "blobs/stream.h"
#include "protocol/blobs.h"

namespace agent {

// The bytes of a blob from `offset` on: an upload that resumes opens it
// again there.
using BlobSource = std::function<blobs::Source(std::uint64_t offset)>;

// A file's bytes, opened at the offset asked (for an archive packed to a file).
BlobSource file_source(std::filesystem::path path);

struct BlobClientOptions {
  int attempts = 5;  // tries of one chunk before giving up with Io
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds timeout{120'000};  // one chunk's call
};

class BlobClient {
 public:
  // `server` must outlive the client.
  BlobClient(ServerClient& server, std::string workflow_id, BlobClientOptions options = {});

  blobs::Status upload_blob(const std::string& digest, std::uint64_t size, const BlobSource& source);
  // The whole blob into `sink`, hashed on the way: Corrupt at the end when
  // it does not match the digest.
  blobs::Status download_blob(const std::string& digest, const blobs::Sink& sink);
  blobs::Result<protocol::CacheLookupAnswer> lookup_cache(const protocol::CacheLookup& lookup);
  blobs::Result<protocol::CacheCommitAnswer> commit_cache(const protocol::CacheCommitRequest& request);
  blobs::Result<protocol::ArtifactAnswer> register_artifact(const protocol::ArtifactRegistration& registration);

 private:
  // A call tried again after no answer or a 5xx, up to `attempts` times.
  http_client::Reply call(const std::string& method, const std::string& path, const std::string& body,
                          std::vector<std::string> headers, std::function<void(std::string_view)> on_header = {});
  blobs::Result<nlohmann::json> post_json(const std::string& path, const nlohmann::json& body);
  blobs::Result<protocol::BlobUploadState> upload_state(const std::string& path, std::uint64_t size);
  // Sends from `state.offset` on; the state the server answered last.
  blobs::Result<protocol::BlobUploadState> send_from(const std::string& digest, protocol::BlobUploadState state,
                                                     const BlobSource& source);

  ServerClient& server_;
  std::string workflow_id_;
  BlobClientOptions options_;
};

}  // namespace agent
