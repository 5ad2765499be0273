#include "blobs/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_set>

#include "blobs/sha256.h"

namespace blobs {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kFileChunk = 256 * 1024;
constexpr std::size_t kTarBlock = 128 * 1024;  // libarchive hands zstd the tar in pieces this size
constexpr std::string_view kHome = "~/";

Error io_error(std::string what) { return {ErrorKind::Io, std::move(what) + ": " + std::strerror(errno)}; }

// The components of a relative archive or pack path without "." and empty
// ones; nullopt when it is absolute or has a "..".
std::optional<std::vector<std::string>> safe_components(std::string_view path) {
  if (path.empty() || path.front() == '/') return std::nullopt;
  std::vector<std::string> components;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (component.empty() || component == ".") continue;
    if (component == "..") return std::nullopt;
    components.emplace_back(component);
  }
  return components;
}

std::string join(const std::vector<std::string>& components, std::size_t from) {
  std::string joined;
  for (std::size_t i = from; i < components.size(); ++i) {
    if (!joined.empty()) joined += '/';
    joined += components[i];
  }
  return joined;
}

// libarchive's tar output → zstd → SHA-256 and the caller's sink.
class CompressingWriter {
 public:
  CompressingWriter(const Sink& sink, const PackOptions& options) : sink_(sink), context_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, options.level);
    if (options.threads > 0) ZSTD_CCtx_setParameter(context_, ZSTD_c_nbWorkers, options.threads);
    output_.resize(ZSTD_CStreamOutSize());
  }
  ~CompressingWriter() { ZSTD_freeCCtx(context_); }

  bool write(std::string_view tar) { return compress(tar, ZSTD_e_continue); }
  bool finish() { return compress({}, ZSTD_e_end); }

  std::uint64_t compressed_size() const { return compressed_size_; }
  std::string digest() { return hasher_.finish_hex(); }
  const std::string& error() const { return error_; }

 private:
  bool compress(std::string_view tar, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{tar.data(), tar.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{output_.data(), output_.size(), 0};
      std::size_t left = ZSTD_compressStream2(context_, &out, &in, mode);
      if (ZSTD_isError(left)) return fail(std::string("zstd: ") + ZSTD_getErrorName(left));
      if (out.pos > 0 && !emit({output_.data(), out.pos})) return false;
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) return true;
    }
  }
  bool emit(std::string_view piece) {
    hasher_.update(piece);
    compressed_size_ += piece.size();
    return sink_(piece) || fail("the sink stopped");
  }
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  const Sink& sink_;
  ZSTD_CCtx* context_;
  std::vector<char> output_;
  Sha256 hasher_;
  std::uint64_t compressed_size_ = 0;
  std::string error_;
};

la_ssize_t write_tar(struct archive*, void* writer, const void* buffer, std::size_t length) {
  bool ok = static_cast<CompressingWriter*>(writer)->write({static_cast<const char*>(buffer), length});
  return ok ? static_cast<la_ssize_t>(length) : -1;
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ReadArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class Packer {
 public:
  Packer(const PackOptions& options, CompressingWriter& writer)
      : options_(options), writer_(writer), tar_(archive_write_new()), entry_(archive_entry_new()),
        buffer_(kFileChunk) {
    archive_write_set_format_pax_restricted(tar_.get());
    archive_write_set_bytes_per_block(tar_.get(), kTarBlock);
    archive_write_set_bytes_in_last_block(tar_.get(), 1);
  }

  Status open() {
    if (archive_write_open(tar_.get(), &writer_, nullptr, write_tar, nullptr) != ARCHIVE_OK) return tar_error("");
    return Ok{};
  }

  Status add_given(const std::string& given) {
    bool in_home = given.starts_with(kHome);
    auto components = safe_components(in_home ? std::string_view(given).substr(kHome.size()) : given);
    if (!components || components->empty()) {
      return Error{ErrorKind::Invalid, "pack path \"" + given + "\" must be relative, without \"..\""};
    }
    if (in_home && options_.home.empty()) {
      return Error{ErrorKind::Invalid, "pack path \"" + given + "\" starts with ~/ but no home directory was given"};
    }
    std::string relative = join(*components, 0);
    fs::path disk = (in_home ? options_.home : options_.root) / relative;
    std::string name = in_home ? std::string(kHome) + relative : relative;
    struct stat info;
    if (lstat(disk.c_str(), &info) != 0) {
      if (errno != ENOENT) return io_error("cannot read " + disk.string());
      result_.missing.push_back(given);
      return Ok{};
    }
    return add(disk, name, info);
  }

  Result<PackResult> finish() {
    if (archive_write_close(tar_.get()) != ARCHIVE_OK) return tar_error("");
    if (!writer_.finish()) return Error{ErrorKind::Io, writer_.error()};
    result_.raw_size = archive_filter_bytes(tar_.get(), 0);
    result_.compressed_size = writer_.compressed_size();
    result_.digest = writer_.digest();
    return std::move(result_);
  }

 private:
  Status add(const fs::path& disk, const std::string& name, const struct stat& info) {
    if (S_ISDIR(info.st_mode)) return add_directory(disk, name, info);
    if (S_ISLNK(info.st_mode)) return add_symlink(disk, name, info);
    if (S_ISREG(info.st_mode)) return add_file(disk, name);
    return Ok{};  // sockets, FIFOs and devices are not kept
  }

  void start_entry(const std::string& name, const struct stat& info, mode_t type) {
    archive_entry_clear(entry_.get());
    archive_entry_copy_pathname(entry_.get(), name.c_str());
    archive_entry_set_filetype(entry_.get(), type);
    archive_entry_set_perm(entry_.get(), info.st_mode & 07777);
    archive_entry_set_mtime(entry_.get(), info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
  }

  Status write_header(const std::string& name) {
    if (archive_write_header(tar_.get(), entry_.get()) < ARCHIVE_WARN) return tar_error(name);
    ++result_.files;
    return Ok{};
  }

  Status add_directory(const fs::path& disk, const std::string& name, const struct stat& info) {
    start_entry(name, info, AE_IFDIR);
    if (auto written = write_header(name); !written) return written;
    std::unique_ptr<DIR, int (*)(DIR*)> directory(opendir(disk.c_str()), closedir);
    if (!directory) return io_error("cannot list " + disk.string());
    std::vector<std::string> children;
    while (dirent* child = readdir(directory.get())) {
      std::string_view child_name = child->d_name;
      if (child_name != "." && child_name != "..") children.emplace_back(child_name);
    }
    directory.reset();
    std::sort(children.begin(), children.end());
    for (const auto& child : children) {
      struct stat child_info;
      fs::path child_disk = disk / child;
      if (lstat(child_disk.c_str(), &child_info) != 0) continue;  // gone while packing
      if (auto added = add(child_disk, name + "/" + child, child_info); !added) return added;
    }
    return Ok{};
  }

  Status add_symlink(const fs::path& disk, const std::string& name, const struct stat& info) {
    std::string target(PATH_MAX, '\0');
    ssize_t length = readlink(disk.c_str(), target.data(), target.size());
    if (length < 0) return io_error("cannot read the link " + disk.string());
    target.resize(length);
    start_entry(name, info, AE_IFLNK);
    archive_entry_copy_symlink(entry_.get(), target.c_str());
    return write_header(name);
  }

  Status add_file(const fs::path& disk, const std::string& name) {
    int fd = ::open(disk.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open " + disk.string());
    std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
    struct stat info;
    if (fstat(fd, &info) != 0) return io_error("cannot stat " + disk.string());
    start_entry(name, info, AE_IFREG);
    archive_entry_set_size(entry_.get(), info.st_size);
    if (auto written = write_header(name); !written) return written;
    // A file that grows while packed is cut at the size in its header; one
    // that shrinks is padded with zeros by libarchive.
    for (off_t left = info.st_size; left > 0;) {
      ssize_t got = ::read(fd, buffer_.data(), std::min<off_t>(left, buffer_.size()));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return io_error("cannot read " + disk.string());
      if (got == 0) break;
      if (archive_write_data(tar_.get(), buffer_.data(), got) < 0) return tar_error(name);
      left -= got;
    }
    return Ok{};
  }

  Error tar_error(const std::string& name) {
    if (!writer_.error().empty()) return {ErrorKind::Io, writer_.error()};
    const char* message = archive_error_string(tar_.get());
    return {ErrorKind::Io, (name.empty() ? "" : name + ": ") + (message ? message : "tar error")};
  }

  const PackOptions& options_;
  CompressingWriter& writer_;
  std::unique_ptr<struct archive, ArchiveDeleter> tar_;
  std::unique_ptr<archive_entry, EntryDeleter> entry_;
  std::vector<char> buffer_;
  PackResult result_;
};

// The caller's source → zstd → libarchive's tar reader.
class DecompressingReader {
 public:
  DecompressingReader(const Source& source, std::uint32_t max_window_log)
      : source_(source), context_(ZSTD_createDCtx()), input_(ZSTD_DStreamInSize()), output_(ZSTD_DStreamOutSize()) {
    ZSTD_DCtx_setParameter(context_, ZSTD_d_windowLogMax, max_window_log);
  }
  ~DecompressingReader() { ZSTD_freeDCtx(context_); }

  // The next piece of tar, 0 at the end, -1 with error() set.
  la_ssize_t read(const void** piece) {
    for (;;) {
      if (in_.pos == in_.size && !source_done_ && !refill()) return -1;
      if (in_.pos == in_.size && source_done_) {
        if (frame_open_) return fail(ErrorKind::Corrupt, "the archive ends in the middle of a zstd frame");
        return 0;
      }
      ZSTD_outBuffer out{output_.data(), output_.size(), 0};
      std::size_t left = ZSTD_decompressStream(context_, &out, &in_);
      if (ZSTD_isError(left)) return fail(ErrorKind::Corrupt, std::string("zstd: ") + ZSTD_getErrorName(left));
      frame_open_ = left != 0;
      if (out.pos > 0) {
        *piece = output_.data();
        return static_cast<la_ssize_t>(out.pos);
      }
    }
  }

  const Error& error() const { return error_; }
  bool failed() const { return !error_.message.empty(); }

 private:
  bool refill() {
    std::ptrdiff_t got = source_(input_.data(), input_.size());
    if (got < 0) {
      fail(ErrorKind::Io, "the source could not be read");
      return false;
    }
    source_done_ = got == 0;
    in_ = ZSTD_inBuffer{input_.data(), static_cast<std::size_t>(got), 0};
    return true;
  }
  la_ssize_t fail(ErrorKind kind, std::string message) {
    error_ = {kind, std::move(message)};
    return -1;
  }

  const Source& source_;
  ZSTD_DCtx* context_;
  std::vector<char> input_, output_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool source_done_ = false;
  bool frame_open_ = false;
  Error error_{ErrorKind::Io, ""};
};

la_ssize_t read_tar(struct archive*, void* reader, const void** buffer) {
  return static_cast<DecompressingReader*>(reader)->read(buffer);
}

Error refused(const std::string& entry, std::string why) {
  return {ErrorKind::Refused, "archive entry \"" + entry + "\": " + std::move(why)};
}

class Unpacker {
 public:
  Unpacker(const UnpackOptions& options, DecompressingReader& reader)
      : options_(options), reader_(reader), tar_(archive_read_new()), disk_(archive_write_disk_new()) {
    archive_read_support_format_tar(tar_.get());
    // No ARCHIVE_EXTRACT_SECURE_*: destination() and check_symlinks() do
    // that work. libarchive's symlink check, which lets absolute paths
    // through anyway, opened every directory on every entry's path: 25,000
    // open calls instead of 7,800 for bench/blobs_bench's 2,000-file tree.
    // No ARCHIVE_EXTRACT_UNLINK either: it cost an unlink() per file, where
    // the default unlinks what is in the way only when creating fails.
    archive_write_disk_set_options(disk_.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM);
  }

  Status open() {
    if (auto target = real_root(options_.target, "target"); !target) return target.error();
    else target_ = std::move(target.value());
    if (!options_.home.empty()) {
      if (auto home = real_root(options_.home, "home"); !home) return home.error();
      else home_ = std::move(home.value());
    }
    if (archive_read_open(tar_.get(), &reader_, nullptr, read_tar, nullptr) != ARCHIVE_OK) return read_error("");
    return Ok{};
  }

  Result<UnpackResult> run() {
    for (;;) {
      archive_entry* entry = nullptr;
      int status = archive_read_next_header(tar_.get(), &entry);
      if (status == ARCHIVE_EOF) break;
      if (status < ARCHIVE_WARN) return read_error("");
      if (auto extracted = extract(entry); !extracted) return extracted.error();
    }
    if (archive_write_close(disk_.get()) != ARCHIVE_OK) return disk_error("");
    return result_;
  }

 private:
  static Result<std::string> real_root(const fs::path& root, const char* what) {
    std::error_code failure;
    fs::path real = fs::canonical(root, failure);
    if (failure || !fs::is_directory(real)) {
      return Error{ErrorKind::Invalid, std::string("unpack ") + what + " " + root.string() + " is not a directory"};
    }
    return real.string();
  }

  struct Destination {
    const std::string* root;
    std::vector<std::string> components;  // below root; empty for the root itself
  };

  // Where an entry goes on disk, or why it may not go anywhere.
  Result<Destination> destination(const std::string& name, mode_t type) {
    bool in_home = name.starts_with(kHome);
    auto components = safe_components(in_home ? std::string_view(name).substr(kHome.size()) : name);
    if (!components) return refused(name, "absolute or with a \"..\" component");
    if (!in_home && !components->empty() && components->front() == "~") {
      return refused(name, "\"~\" is only allowed as \"~/\" at the start");
    }
    if (in_home && home_.empty()) return refused(name, "a ~/ entry, but no home directory to put it in");
    if (components->empty() && type != AE_IFDIR) return refused(name, "only a directory may name the target itself");
    return Destination{in_home ? &home_ : &target_, std::move(*components)};
  }

  // Refuses a path through a symlink, so that nothing is written outside the
  // roots (libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS skips absolute
  // paths, and ours are). The last component may be a symlink for a file or
  // a symlink entry: libarchive creates those with O_EXCL or symlink(),
  // and on EEXIST unlinks what is in the way (never following it) and tries
  // again. Not for a directory, whose mode and mtime would be set through
  // it; and a symlink entry may not replace a directory. Directories seen to
  // be real are remembered until the next symlink entry.
  Status check_symlinks(const std::string& name, const Destination& to, mode_t type) {
    std::string path = *to.root;
    for (std::size_t i = 0; i < to.components.size(); ++i) {
      path += "/" + to.components[i];
      bool last = i + 1 == to.components.size();
      if (!last && real_directories_.contains(path)) continue;
      if (last && type == AE_IFREG) return Ok{};  // nothing to check: see above
      struct stat info;
      if (::lstat(path.c_str(), &info) != 0) return Ok{};  // the rest is new
      if (S_ISLNK(info.st_mode) && (!last || type == AE_IFDIR)) {
        return refused(name, "its path goes through the symlink " + path);
      }
      if (last && type == AE_IFLNK && S_ISDIR(info.st_mode)) return refused(name, "a symlink may not replace a directory");
      if (!last && S_ISDIR(info.st_mode)) real_directories_.insert(path);
    }
    return Ok{};
  }

  Status extract(archive_entry* entry) {
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name ? raw_name : "";
    if (++result_.entries > options_.max_entries) {
      return refused(name, "more than " + std::to_string(options_.max_entries) + " entries");
    }
    if (archive_entry_hardlink(entry)) return refused(name, "hard links are not accepted");
    auto type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
      return refused(name, "only files, directories and symlinks are accepted");
    }
    std::uint64_t size = archive_entry_size(entry);
    if (size > options_.max_bytes - std::min(result_.bytes, options_.max_bytes)) {
      return refused(name, "the archive holds more than " + std::to_string(options_.max_bytes) + " bytes");
    }
    auto to = destination(name, type);
    if (!to) return to.error();
    if (auto checked = check_symlinks(name, to.value(), type); !checked) return checked;
    if (type == AE_IFLNK) real_directories_.clear();
    std::string path = *to->root + (to->components.empty() ? "" : "/" + join(to->components, 0));
    archive_entry_copy_pathname(entry, path.c_str());
    archive_entry_set_perm(entry, archive_entry_perm(entry) & 01777);  // never setuid/setgid
    if (archive_write_header(disk_.get(), entry) < ARCHIVE_WARN) return disk_error(name);
    if (type == AE_IFREG) {
      if (auto copied = copy_data(name); !copied) return copied;
      result_.bytes += size;
    }
    if (archive_write_finish_entry(disk_.get()) < ARCHIVE_WARN) return disk_error(name);
    return Ok{};
  }

  Status copy_data(const std::string& name) {
    for (;;) {
      const void* block;
      std::size_t size;
      la_int64_t offset;
      int status = archive_read_data_block(tar_.get(), &block, &size, &offset);
      if (status == ARCHIVE_EOF) return Ok{};
      if (status < ARCHIVE_WARN) return read_error(name);
      if (archive_write_data_block(disk_.get(), block, size, offset) < ARCHIVE_WARN) return disk_error(name);
    }
  }

  Error read_error(const std::string& name) {
    if (reader_.failed()) return reader_.error();
    const char* message = archive_error_string(tar_.get());
    std::string prefix = name.empty() ? "" : "archive entry \"" + name + "\": ";
    return {ErrorKind::Corrupt, prefix + (message ? message : "not a tar archive")};
  }

  // libarchive's refusals (a path through a symlink) carry no errno; a full
  // disk or a permission problem does.
  Error disk_error(const std::string& name) {
    const char* message = archive_error_string(disk_.get());
    std::string text = message ? message : "cannot be written";
    if (archive_errno(disk_.get()) > 0 && archive_errno(disk_.get()) != EPERM) {
      return {ErrorKind::Io, "archive entry \"" + name + "\": " + text};
    }
    return refused(name, text);
  }

  const UnpackOptions& options_;
  DecompressingReader& reader_;
  std::unique_ptr<struct archive, ReadArchiveDeleter> tar_;
  std::unique_ptr<struct archive, ArchiveDeleter> disk_;
  std::string target_, home_;
  std::unordered_set<std::string> real_directories_;
  UnpackResult result_;
};

}  // namespace

Result<PackResult> pack(const std::vector<std::string>& paths, const PackOptions& options, const Sink& sink) {
  CompressingWriter writer(sink, options);
  Packer packer(options, writer);
  if (auto opened = packer.open(); !opened) return opened.error();
  for (const auto& path : paths) {
    if (auto added = packer.add_given(path); !added) return added.error();
  }
  return packer.finish();
}

Result<UnpackResult> unpack(const Source& source, const UnpackOptions& options) {
  DecompressingReader reader(source, options.max_window_log);
  Unpacker unpacker(options, reader);
  if (auto opened = unpacker.open(); !opened) return opened.error();
  return unpacker.run();
}

}  // namespace blobs
