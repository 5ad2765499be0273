// A content-addressed blob store: each blob is named by the SHA-256 hex of
// its bytes, written once through a resumable upload and read whole
// (verified) or by range. Backends: DirectoryStore (a local or shared
// directory) and S3Store (an S3-compatible bucket).
//
//   auto upload = store.begin_upload(digest, size);      // ->offset(): what it holds already
//   upload.value()->append(offset, piece) ...             // in order, from that offset
//   upload.value()->commit();                             // verified, then visible at once
//   store.read(digest, sink);                             // Corrupt if the bytes changed since
//
// Commit checks the size and the SHA-256 of the whole before the blob becomes
// visible, atomically: a reader sees all of it or nothing. Two uploads of one
// digest at once both succeed and leave one blob. An upload dropped before
// commit keeps what it appended (DirectoryStore: every byte; S3Store: every
// whole part) for the next begin_upload of that digest to resume from.
//
// Thread-safety: a Store may be used from any number of threads at once; an
// Upload by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "blobs/result.h"
#include "blobs/stream.h"

namespace blobs {

struct BlobInfo {
  std::string digest;
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;  // when it was committed (for pruning)
};

class Upload {
 public:
  virtual ~Upload() = default;

  // The bytes the store holds for this upload: the next append starts here.
  // Equal to the size when the blob exists already (commit then succeeds).
  virtual std::uint64_t offset() const = 0;
  // Appends `piece` at `at`, which must equal offset(): Conflict otherwise
  // (a gap, or bytes sent twice), Invalid past the declared size. (S3Store:
  // once another writer has published the same blob, appends are accepted
  // and dropped; see s3_store.h.)
  virtual Status append(std::uint64_t at, std::string_view piece) = 0;
  // Verifies size and digest and publishes the blob. Corrupt on a mismatch
  // (the upload is discarded), Invalid when bytes are missing.
  virtual Status commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Invalid unless `digest` is 64 lowercase hex digits; the same for every
  // method that takes one.
  virtual Result<BlobInfo> stat(std::string_view digest) = 0;
  // The whole blob into the sink, hashed on the way: Corrupt at the end if the
  // bytes do not match the digest (the sink has had them: discard them,
  // treat it as a miss, and remove the blob).
  virtual Status read(std::string_view digest, const Sink& sink) = 0;
  // Bytes [offset, offset + length) clipped to the blob's size; not verified.
  virtual Status read_range(std::string_view digest, std::uint64_t offset, std::uint64_t length,
                            const Sink& sink) = 0;
  // NotFound if there is no such blob.
  virtual Status remove(std::string_view digest) = 0;
  // Every committed blob, in no particular order.
  virtual Result<std::vector<BlobInfo>> list() = 0;
  // Starts, or resumes, the upload of the `size` bytes named `digest`.
  // Invalid when the blob is stored already with another size.
  virtual Result<std::unique_ptr<Upload>> begin_upload(std::string_view digest, std::uint64_t size) = 0;
  // Discards interrupted uploads that nothing appended to since `before`,
  // so that they stop taking space; returns how many. An upload still open
  // in this or another process is kept (DirectoryStore: it holds a lock;
  // S3Store: its manifest is newer than `before` while it sends parts).
  virtual Result<std::size_t> remove_stale_uploads(std::chrono::system_clock::time_point before) = 0;
};

}  // namespace blobs
