#include "blobs/directory_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "blobs/present_upload.h"
#include "blobs/sha256.h"
#include "core/uuid.h"

namespace blobs {

namespace {

namespace fs = std::filesystem;
using detail::check_digest;

constexpr std::size_t kChunk = 256 * 1024;

Error io_error(const std::string& what) { return {ErrorKind::Io, what + ": " + std::strerror(errno)}; }

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view bytes, std::uint64_t at) {
  while (!bytes.empty()) {
    ssize_t wrote = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return false;
    bytes.remove_prefix(wrote);
    at += wrote;
  }
  return true;
}

// Reads [offset, offset + length) of fd into the hasher (when given) and the
// sink (when given); false with errno set on a read error, or errno 0 when
// the sink stopped.
bool stream_file(int fd, std::uint64_t offset, std::uint64_t length, Sha256* hasher, const Sink* sink) {
  std::vector<char> buffer(kChunk);
  while (length > 0) {
    ssize_t got = ::pread(fd, buffer.data(), std::min<std::uint64_t>(length, buffer.size()), offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    std::string_view piece(buffer.data(), got);
    if (hasher) hasher->update(piece);
    if (sink && !(*sink)(piece)) {
      errno = 0;
      return false;
    }
    offset += got;
    length -= got;
  }
  return true;
}

bool sync_directory(const fs::path& directory) {
  Fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd && ::fsync(fd.get()) == 0;
}

// An upload into uploads/: the digest's shared .part file (resumable, held
// with flock) or, while another writer holds that, a private one.
class DirectoryUpload : public Upload {
 public:
  DirectoryUpload(fs::path part, Fd fd, bool shared, fs::path blob, std::string digest, std::uint64_t size)
      : part_(std::move(part)), fd_(std::move(fd)), shared_(shared), blob_(std::move(blob)),
        digest_(std::move(digest)), size_(size) {}
  ~DirectoryUpload() override {
    if (!shared_ && fd_) ::unlink(part_.c_str());  // nobody else could resume it
  }

  // Hashes what the part file holds already, so that commit covers it.
  Status resume() {
    struct stat info;
    if (::fstat(fd_.get(), &info) != 0) return io_error("cannot stat " + part_.string());
    held_ = static_cast<std::uint64_t>(info.st_size);
    if (held_ > size_) {  // not this blob's bytes: start again
      if (::ftruncate(fd_.get(), 0) != 0) return io_error("cannot truncate " + part_.string());
      held_ = 0;
    }
    if (!stream_file(fd_.get(), 0, held_, &hasher_, nullptr)) return io_error("cannot read " + part_.string());
    return Ok{};
  }

  std::uint64_t offset() const override { return held_; }

  Status append(std::uint64_t at, std::string_view piece) override {
    if (at != held_) {
      return Error{ErrorKind::Conflict, "append at byte " + std::to_string(at) + ", but the upload holds " +
                                            std::to_string(held_) + " bytes: continue from there"};
    }
    if (piece.size() > size_ - held_) {
      return Error{ErrorKind::Invalid, "append past the declared size of " + std::to_string(size_) + " bytes"};
    }
    if (!write_all(fd_.get(), piece, at)) return io_error("cannot write " + part_.string());
    hasher_.update(piece);
    held_ += piece.size();
    return Ok{};
  }

  Status commit() override {
    if (held_ != size_) {
      return Error{ErrorKind::Invalid, "commit with " + std::to_string(held_) + " of " + std::to_string(size_) +
                                           " bytes uploaded"};
    }
    std::string actual = hasher_.finish_hex();
    if (actual != digest_) {
      ::unlink(part_.c_str());
      fd_.reset();
      return Error{ErrorKind::Corrupt, "uploaded bytes hash to " + actual + ", not " + digest_};
    }
    std::error_code ignored;
    fs::create_directories(blob_.parent_path(), ignored);
    if (::futimens(fd_.get(), nullptr) != 0 || ::fsync(fd_.get()) != 0) return io_error("cannot sync " + part_.string());
    if (::rename(part_.c_str(), blob_.c_str()) != 0) return io_error("cannot publish " + blob_.string());
    fd_.reset();
    if (!sync_directory(blob_.parent_path())) return io_error("cannot sync " + blob_.parent_path().string());
    return Ok{};
  }

 private:
  fs::path part_;
  Fd fd_;
  bool shared_;
  fs::path blob_;
  std::string digest_;
  std::uint64_t size_;
  std::uint64_t held_ = 0;
  Sha256 hasher_;
};

// Opens and locks the digest's shared .part file. The lock is taken on the
// file the path names after locking: a file renamed into blobs/ by a
// committer between our open and our lock is not a .part any more.
Result<Fd> lock_shared_part(const fs::path& part, bool& busy) {
  for (;;) {
    Fd fd(::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return io_error("cannot open " + part.string());
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) return io_error("cannot lock " + part.string());
      busy = true;
      return Fd();
    }
    struct stat held, named;
    if (::fstat(fd.get(), &held) == 0 && ::stat(part.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      return fd;
    }
  }
}

Result<BlobInfo> stat_blob(const fs::path& path, std::string digest) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return Error{ErrorKind::NotFound, "no blob " + digest};
    return io_error("cannot stat " + path.string());
  }
  auto modified = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
  return BlobInfo{std::move(digest), static_cast<std::uint64_t>(info.st_size), modified};
}

}  // namespace

Result<std::unique_ptr<DirectoryStore>> DirectoryStore::open(const fs::path& root) {
  std::error_code failure;
  fs::create_directories(root / "blobs", failure);
  if (!failure) fs::create_directories(root / "uploads", failure);
  if (failure) return Error{ErrorKind::Io, "cannot create the blob store in " + root.string() + ": " + failure.message()};
  return std::unique_ptr<DirectoryStore>(new DirectoryStore(root));
}

fs::path DirectoryStore::blob_path(std::string_view digest) const {
  return root_ / "blobs" / std::string(digest.substr(0, 2)) / std::string(digest);
}

Result<BlobInfo> DirectoryStore::stat(std::string_view digest) {
  if (auto valid = check_digest(digest); !valid) return valid.error();
  return stat_blob(blob_path(digest), std::string(digest));
}

Status DirectoryStore::read(std::string_view digest, const Sink& sink) {
  return read_file(digest, 0, UINT64_MAX, sink, true);
}

Status DirectoryStore::read_range(std::string_view digest, std::uint64_t offset, std::uint64_t length,
                                  const Sink& sink) {
  return read_file(digest, offset, length, sink, false);
}

Status DirectoryStore::read_file(std::string_view digest, std::uint64_t offset, std::uint64_t length,
                                 const Sink& sink, bool verify) {
  if (auto valid = check_digest(digest); !valid) return valid;
  fs::path path = blob_path(digest);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return Error{ErrorKind::NotFound, "no blob " + std::string(digest)};
    return io_error("cannot open " + path.string());
  }
  struct stat info;
  if (::fstat(fd.get(), &info) != 0) return io_error("cannot stat " + path.string());
  std::uint64_t size = info.st_size;
  offset = std::min(offset, size);
  length = std::min(length, size - offset);
  Sha256 hasher;
  if (!stream_file(fd.get(), offset, length, verify ? &hasher : nullptr, &sink)) {
    if (errno == 0) return Error{ErrorKind::Io, "the sink stopped"};
    return io_error("cannot read " + path.string());
  }
  if (verify) {
    std::string actual = hasher.finish_hex();
    if (actual != digest) {
      return Error{ErrorKind::Corrupt, "blob " + std::string(digest) + " is corrupt: its bytes hash to " + actual};
    }
  }
  return Ok{};
}

Status DirectoryStore::remove(std::string_view digest) {
  if (auto valid = check_digest(digest); !valid) return valid;
  fs::path path = blob_path(digest);
  if (::unlink(path.c_str()) == 0) return Ok{};
  if (errno == ENOENT) return Error{ErrorKind::NotFound, "no blob " + std::string(digest)};
  return io_error("cannot remove " + path.string());
}

Result<std::vector<BlobInfo>> DirectoryStore::list() {
  std::vector<BlobInfo> blobs;
  std::error_code failure;
  for (const auto& fan : fs::directory_iterator(root_ / "blobs", failure)) {
    std::error_code inner;
    for (const auto& file : fs::directory_iterator(fan.path(), inner)) {
      std::string name = file.path().filename().string();
      if (!is_digest(name)) continue;
      if (auto info = stat_blob(file.path(), name)) blobs.push_back(std::move(info.value()));
    }
  }
  if (failure) return Error{ErrorKind::Io, "cannot list " + (root_ / "blobs").string() + ": " + failure.message()};
  return blobs;
}

Result<std::unique_ptr<Upload>> DirectoryStore::begin_upload(std::string_view digest, std::uint64_t size) {
  if (auto valid = check_digest(digest); !valid) return valid.error();
  fs::path blob = blob_path(digest);
  auto present = [&]() -> std::optional<Result<std::unique_ptr<Upload>>> {
    auto info = stat_blob(blob, std::string(digest));
    if (!info) return std::nullopt;
    return detail::present(info.value(), size);
  };
  if (auto done = present()) return std::move(*done);
  fs::path part = root_ / "uploads" / (std::string(digest) + ".part");
  bool busy = false;
  auto fd = lock_shared_part(part, busy);
  if (!fd) return fd.error();
  if (busy) {  // another writer has the resumable file: write a private one
    part = root_ / "uploads" / (std::string(digest) + "." + core::Uuid::new_v7().to_string() + ".part");
    fd = Fd(::open(part.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.value() || ::flock(fd.value().get(), LOCK_EX | LOCK_NB) != 0) return io_error("cannot create " + part.string());
  } else if (auto done = present()) {  // committed while we waited for the lock
    return std::move(*done);
  }
  auto upload = std::make_unique<DirectoryUpload>(part, std::move(fd.value()), !busy, blob, std::string(digest), size);
  if (auto resumed = upload->resume(); !resumed) return resumed.error();
  return std::unique_ptr<Upload>(std::move(upload));
}

Result<std::size_t> DirectoryStore::remove_stale_uploads(std::chrono::system_clock::time_point before) {
  std::size_t removed = 0;
  std::error_code failure;
  for (const auto& file : fs::directory_iterator(root_ / "uploads", failure)) {
    Fd fd(::open(file.path().c_str(), O_RDWR | O_CLOEXEC));
    if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // gone, or an upload still open
    auto info = stat_blob(file.path(), "");
    if (info && info->modified < before && ::unlink(file.path().c_str()) == 0) ++removed;
  }
  if (failure) return Error{ErrorKind::Io, "cannot list " + (root_ / "uploads").string() + ": " + failure.message()};
  return removed;
}

}  // namespace blobs
