// The blob store in a directory: the server's data directory by default, or
// a directory on shared storage (NFS, CephFS) that several servers mount.
//
//   <root>/blobs/ab/abcd…          committed blobs, fanned out by the first two hex digits
//   <root>/uploads/abcd….part      the resumable upload of a digest (flock held while written)
//   <root>/uploads/abcd….<id>.part a second writer's own upload of the same digest
//
// Commit fsyncs the file, renames it into blobs/ (atomic on one file system)
// and fsyncs the directory. The flock needs a file system whose locks all
// servers see (NFSv4 and CephFS do); without them two writers of one digest
// could share a .part file, and commit's digest check then refuses the mix.
// Thread-safety: as blobs::Store.
#pragma once

#include <filesystem>

#include "blobs/store.h"

namespace blobs {

class DirectoryStore : public Store {
 public:
  // Creates the directory and its blobs/ and uploads/ folders if missing.
  static Result<std::unique_ptr<DirectoryStore>> open(const std::filesystem::path& root);

  Result<BlobInfo> stat(std::string_view digest) override;
  Status read(std::string_view digest, const Sink& sink) override;
  Status read_range(std::string_view digest, std::uint64_t offset, std::uint64_t length, const Sink& sink) override;
  Status remove(std::string_view digest) override;
  Result<std::vector<BlobInfo>> list() override;
  Result<std::unique_ptr<Upload>> begin_upload(std::string_view digest, std::uint64_t size) override;
  Result<std::size_t> remove_stale_uploads(std::chrono::system_clock::time_point before) override;

 private:
  explicit DirectoryStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path blob_path(std::string_view digest) const;
  Status read_file(std::string_view digest, std::uint64_t offset, std::uint64_t length, const Sink& sink,
                   bool verify);

  std::filesystem::path root_;
};

}  // namespace blobs
