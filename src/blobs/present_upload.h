// Internal to src/blobs: what both stores share for a digest they are given
// and a blob they hold already.
#pragma once

#include <string>

#include "blobs/sha256.h"
#include "blobs/store.h"

namespace blobs::detail {

inline Status check_digest(std::string_view digest) {
  if (is_digest(digest)) return Ok{};
  return Error{ErrorKind::Invalid, "\"" + std::string(digest) + "\" is not a SHA-256 digest (64 lowercase hex digits)"};
}

// The upload of a blob that is stored already: nothing to send, commit succeeds.
class PresentUpload : public Upload {
 public:
  explicit PresentUpload(std::uint64_t size) : size_(size) {}
  std::uint64_t offset() const override { return size_; }
  Status append(std::uint64_t, std::string_view) override {
    return Error{ErrorKind::Conflict, "the blob is stored already: nothing to append"};
  }
  Status commit() override { return Ok{}; }

 private:
  std::uint64_t size_;
};

// begin_upload's answer when the store holds `info` for the digest already.
inline Result<std::unique_ptr<Upload>> present(const BlobInfo& info, std::uint64_t size) {
  if (info.size != size) {
    return Error{ErrorKind::Invalid, "blob " + info.digest + " is stored with " + std::to_string(info.size) +
                                         " bytes, not " + std::to_string(size)};
  }
  return std::unique_ptr<Upload>(std::make_unique<PresentUpload>(size));
}

}  // namespace blobs::detail
