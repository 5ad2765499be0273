// The blob store in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...),
// for several servers that share no file system. Path-style addressing
// (<endpoint>/<bucket>/<key>), requests signed with Signature Version 4.
//
//   <prefix>blobs/<digest>                  committed blobs
//   <prefix>uploads/<digest>/<id>           a multipart upload's object until it is verified
//   <prefix>uploads/<digest>.manifest       the resumable upload of a digest: its id and whole parts
//
// An upload is an S3 multipart upload of parts of part_size bytes, buffered
// in memory one part at a time. After each part the manifest records it, so
// begin_upload of the same digest resumes after the last whole part (the
// manifest also carries the upload id, which ListParts would need and which
// S3 can only list through ListMultipartUploads). Commit completes the
// upload into its own key, verifies the SHA-256 (hashed while sent, or read
// back when the upload was resumed), copies it to blobs/<digest> (atomic for
// readers; a copy is limited to 5 GiB on AWS) and deletes the rest.
//
// S3 has no locks: a writer that begins while another writer of the digest
// is still sending may take up its manifest and share its multipart upload.
// Whichever completes it publishes the blob; the other then finds the blob
// there (waiting up to 5 s for it) and succeeds, dropping what it had left
// to append.
// remove_stale_uploads aborts the multipart uploads that stale manifests
// record; one whose manifest a concurrent writer overwrote is not known to
// it: give the bucket a lifecycle rule that aborts incomplete multipart
// uploads after a day (AbortIncompleteMultipartUpload).
// Thread-safety: as blobs::Store; each call uses an HTTP connection of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "blobs/store.h"

namespace blobs {

struct S3Options {
  std::string endpoint;  // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::string prefix;    // key prefix inside the bucket, e.g. "factory/"
  // S3 needs 5 MiB at least (but for the last part) and takes 10,000 parts at
  // most: blobs up to 80 GB with the default.
  std::size_t part_size = std::size_t{8} << 20;
  std::chrono::milliseconds timeout{600'000};    // one request, including a whole blob's transfer
};

class S3Store : public Store {
 public:
  // Invalid for an endpoint that is not an http(s):// URL without a path, a
  // missing bucket or a zero part size;
  // does not contact the server.
  static Result<std::unique_ptr<S3Store>> open(S3Options options);

  Result<BlobInfo> stat(std::string_view digest) override;
  Status read(std::string_view digest, const Sink& sink) override;
  Status read_range(std::string_view digest, std::uint64_t offset, std::uint64_t length, const Sink& sink) override;
  Status remove(std::string_view digest) override;
  Result<std::vector<BlobInfo>> list() override;
  Result<std::unique_ptr<Upload>> begin_upload(std::string_view digest, std::uint64_t size) override;
  Result<std::size_t> remove_stale_uploads(std::chrono::system_clock::time_point before) override;

 private:
  explicit S3Store(S3Options options) : options_(std::move(options)) {}
  Status get(std::string_view digest, const std::string& range, bool verify, const Sink& sink);
  // Every object under `prefix`, its key in BlobInfo::digest.
  Result<std::vector<BlobInfo>> list_objects(const std::string& prefix);

  S3Options options_;
};

}  // namespace blobs
