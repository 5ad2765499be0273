// Internal to src/api: what the agent's blob calls (blob_routes.cpp) and
// people's cache and artifact routes (artifact_routes.cpp) share: the cache
// scopes of a workflow, HTTP byte ranges, and blob store errors as answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/errors.h"
#include "blobs/store.h"
#include "core/plan.h"
#include "store/store.h"

namespace api {

// The cache scopes of a workflow's event (docs/storage.md, "Scopes"): the
// one it writes (empty: none) and those it reads, in order. A push, manual
// run or schedule writes its branch and reads it, then the default branch;
// a tag writes "tag:<name>"; a pull request writes its own scope,
// "pr:<source branch>" ("pr:fork:<source branch>" from a fork), and reads
// it, then its target branch, then the default branch. Branch names hold
// no ':' (git refuses it), so no branch can name a pull request's scope.
struct CacheScopes {
  std::string write;
  std::vector<std::string> read;
};
CacheScopes cache_scopes(const core::Event& event, std::string_view default_branch);

// The server's blob store; 503 `no_blob_store` for a server without one.
blobs::Store& blob_store(const ApiOptions& options);

// A blob store's error as the API's answer: not_found 404, corrupt 422,
// refused 403, conflict 409, invalid 400, io 503.
[[noreturn]] void fail(const blobs::Error& error);

template <class T>
T unwrap(blobs::Result<T> result) {
  if (!result) fail(result.error());
  return std::move(result).value();
}

inline void unwrap(const blobs::Status& status) {
  if (!status) fail(status.error());
}

// The bytes a "Range: bytes=A-B" header asks of a blob of `size` bytes
// (one range, no suffix form): [first, last], clipped to the blob.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;

  std::uint64_t length() const { return last - first + 1; }
};
enum class RangeProblem { Malformed, Unsatisfiable };
// nullopt with `problem` set; a malformed header is for the caller to ignore
// (people's downloads, as RFC 9110 says) or refuse (agents').
std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size, RangeProblem& problem);

// Bytes [offset, offset + length) of a blob, read whole into memory: callers
// bound `length`.
std::string read_blob_range(blobs::Store& blobs, std::string_view digest, std::uint64_t offset,
                            std::uint64_t length);

// Reads a whole blob to check its digest; a corrupt one is removed from the
// store and every cache entry and artifact naming it are deleted. True when
// it is sound.
bool verify_blob(blobs::Store& blobs, store::Store& store, const std::string& digest);

}  // namespace api
