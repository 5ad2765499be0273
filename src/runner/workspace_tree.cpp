#include "runner/workspace_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

namespace runner {

namespace {

// A file descriptor closed when it goes.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_{fd} {}
  ~Descriptor() {
    if (fd_ >= 0) close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

// The copy of one tree: descriptors of the directories being walked, so
// that nothing is looked up twice and no symbolic link is ever followed.
class TreeCopy {
 public:
  explicit TreeCopy(std::string& error) : error_{error} {}

  // Copies the entry `name` of directory `from` into directory `to`;
  // `relative` is its path below the tree's root, for messages and for
  // knowing git's object store.
  bool entry(int from, int to, const std::string& name, const std::string& relative) {
    struct stat status;
    if (fstatat(from, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) return failed("cannot read", relative);
    if (S_ISDIR(status.st_mode)) return directory(from, to, name, relative, status.st_mode);
    if (S_ISLNK(status.st_mode)) return link(from, to, name, relative);
    if (S_ISREG(status.st_mode)) return file(from, to, name, relative, status);
    return true;  // a socket, fifo or device: nothing a build checks out
  }

  // Every entry of the open directory `from` into `to`.
  bool contents(int from, int to, const std::string& relative) {
    const int listed = dup(from);  // fdopendir owns what it is given
    std::unique_ptr<DIR, int (*)(DIR*)> dir{listed >= 0 ? fdopendir(listed) : nullptr, closedir};
    if (!dir) {
      if (listed >= 0) close(listed);
      return failed("cannot list", relative);
    }
    const std::string prefix = relative.empty() ? "" : relative + "/";
    errno = 0;
    while (const dirent* found = readdir(dir.get())) {
      const std::string name = found->d_name;
      if (name == "." || name == "..") continue;
      if (!entry(from, to, name, prefix + name)) return false;
      errno = 0;
    }
    return errno == 0 || failed("cannot list", relative);
  }

 private:
  bool directory(int from, int to, const std::string& name, const std::string& relative, mode_t mode) {
    if (mkdirat(to, name.c_str(), mode & 07777) != 0) return failed("cannot create", relative);
    Descriptor source{openat(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    Descriptor target{openat(to, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    if (!source.valid() || !target.valid()) return failed("cannot open", relative);
    return contents(source.get(), target.get(), relative);
  }

  bool link(int from, int to, const std::string& name, const std::string& relative) {
    std::string target(PATH_MAX, '\0');
    const ssize_t length = readlinkat(from, name.c_str(), target.data(), target.size());
    if (length < 0) return failed("cannot read", relative);
    target.resize(static_cast<std::size_t>(length));
    return symlinkat(target.c_str(), to, name.c_str()) == 0 || failed("cannot create", relative);
  }

  bool file(int from, int to, const std::string& name, const std::string& relative, const struct stat& status) {
    if (relative.starts_with(".git/objects/") && linkat(from, name.c_str(), to, name.c_str(), 0) == 0) return true;
    Descriptor source{openat(from, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (!source.valid()) return failed("cannot open", relative);
    Descriptor target{openat(to, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, status.st_mode & 07777)};
    if (!target.valid()) return failed("cannot create", relative);
    if (!copy_contents(source.get(), target.get(), status.st_size)) return failed("cannot copy", relative);
    const timespec times[2] = {{0, UTIME_OMIT}, status.st_mtim};
    return futimens(target.get(), times) == 0 || failed("cannot set the time of", relative);
  }

  // copy_file_range first (in the kernel, a clone where the file system
  // shares blocks); read and write where it cannot (another file system).
  static bool copy_contents(int from, int to, off_t size) {
    off_t left = size;
    while (left > 0) {
      const ssize_t copied = copy_file_range(from, nullptr, to, nullptr, static_cast<std::size_t>(left), 0);
      if (copied < 0 && errno == EINTR) continue;
      if (copied < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
        return write_all(from, to);
      if (copied <= 0) return copied == 0;  // 0: the file got shorter while copied
      left -= copied;
    }
    return true;
  }

  static bool write_all(int from, int to) {
    char buffer[65536];
    for (;;) {
      const ssize_t n = read(from, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n == 0;
      for (ssize_t written = 0; written < n;) {
        const ssize_t w = write(to, buffer + written, static_cast<std::size_t>(n - written));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return false;
        written += w;
      }
    }
  }

  bool failed(const std::string& what, const std::string& relative) {
    error_ = what + " " + (relative.empty() ? "the workspace" : relative) + ": " + std::strerror(errno);
    return false;
  }

  std::string& error_;
};

Descriptor open_directory(const std::filesystem::path& path) {
  return Descriptor{open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
}

}  // namespace

bool copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, std::string& error) {
  Descriptor source = open_directory(from);
  struct stat status;
  if (!source.valid() || fstat(source.get(), &status) != 0) {
    error = "cannot open " + from.string() + ": " + std::strerror(errno);
    return false;
  }
  if (mkdir(to.c_str(), status.st_mode & 07777) != 0) {
    error = "cannot create " + to.string() + ": " + std::strerror(errno);
    return false;
  }
  Descriptor target = open_directory(to);
  if (!target.valid()) {
    error = "cannot open " + to.string() + ": " + std::strerror(errno);
    return false;
  }
  return TreeCopy{error}.contents(source.get(), target.get(), "");
}

bool copy_paths(const std::filesystem::path& from, const std::vector<std::string>& paths,
                const std::filesystem::path& to, std::string& error) {
  TreeCopy copy{error};
  for (const std::string& path : paths) {
    const std::filesystem::path relative{path};
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(from / relative, ec))) continue;
    std::filesystem::create_directories(to / relative.parent_path(), ec);
    if (ec) {
      error = "cannot create " + (to / relative.parent_path()).string() + ": " + ec.message();
      return false;
    }
    Descriptor source = open_directory(from / relative.parent_path());
    Descriptor target = open_directory(to / relative.parent_path());
    if (!source.valid() || !target.valid()) {
      error = "cannot open the folder of " + path + ": " + std::strerror(errno);
      return false;
    }
    if (!copy.entry(source.get(), target.get(), relative.filename().string(), path)) return false;
  }
  return true;
}

namespace {

// What one copy changed of its base, as paths below both, parents first.
struct Changes {
  std::vector<std::string> written;  // new or different in the copy
  std::vector<std::string> removed;  // in the base, not in the copy
};

bool same_entry(const std::filesystem::path& mine, const struct stat& my_status, const std::filesystem::path& theirs,
                const struct stat& their_status) {
  if (my_status.st_mode != their_status.st_mode) return false;
  if (S_ISDIR(my_status.st_mode)) return true;  // the entries inside tell
  if (S_ISLNK(my_status.st_mode)) {
    std::error_code ec;
    return std::filesystem::read_symlink(mine, ec) == std::filesystem::read_symlink(theirs, ec);
  }
  return my_status.st_size == their_status.st_size && my_status.st_mtim.tv_sec == their_status.st_mtim.tv_sec &&
         my_status.st_mtim.tv_nsec == their_status.st_mtim.tv_nsec;
}

bool changes_of(const std::filesystem::path& base, const std::filesystem::path& copy, Changes& changes,
                std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(copy, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string relative = it->path().lexically_relative(copy).string();
    struct stat mine, theirs;
    if (lstat(it->path().c_str(), &mine) != 0) {
      error = "cannot read " + it->path().string() + ": " + std::strerror(errno);
      return false;
    }
    const bool in_base = lstat((base / relative).c_str(), &theirs) == 0;
    if (!in_base || !same_entry(it->path(), mine, base / relative, theirs)) changes.written.push_back(relative);
  }
  for (fs::recursive_directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string relative = it->path().lexically_relative(base).string();
    struct stat mine;
    if (lstat((copy / relative).c_str(), &mine) == 0) continue;
    changes.removed.push_back(relative);
    it.disable_recursion_pending();
  }
  if (ec) error = "cannot list " + copy.string() + " or " + base.string() + ": " + ec.message();
  return !ec;
}

// Whether every folder from `base` down to the entry `relative` is a real
// folder. A link among them (one copy may turn a folder into a link to
// /etc, another write below it) would lead a move or a removal out of the
// workspace, with the agent's rights.
bool folders_to(const std::filesystem::path& base, const std::filesystem::path& relative) {
  std::filesystem::path at = base;
  for (const auto& part : relative.parent_path()) {
    at /= part;
    struct stat status;
    if (lstat(at.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) return false;
  }
  return true;
}

// Makes every folder down to `relative` a real folder, replacing what is
// not one (the later copy's change wins) and making what an earlier copy
// removed.
bool make_folders_to(const std::filesystem::path& base, const std::filesystem::path& relative, std::string& error) {
  std::filesystem::path at = base;
  for (const auto& part : relative.parent_path()) {
    at /= part;
    struct stat status;
    if (lstat(at.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) continue;
    remove_tree(at);  // a link or a file, or nothing
    if (mkdir(at.c_str(), 0777) != 0) {
      error = "cannot hand on " + relative.string() + ": cannot create " + at.string() + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

// Makes `relative` in `base` what it is in `copy`: a directory is made
// (its entries follow), anything else moved over.
bool write_over(const std::filesystem::path& base, const std::filesystem::path& copy, const std::string& relative,
                std::string& error) {
  if (!make_folders_to(base, relative, error)) return false;
  const std::filesystem::path from = copy / relative, to = base / relative;
  struct stat mine, theirs;
  if (lstat(from.c_str(), &mine) != 0) {
    error = "cannot read " + from.string() + ": " + std::strerror(errno);
    return false;
  }
  const bool exists = lstat(to.c_str(), &theirs) == 0;
  if (exists && S_ISDIR(mine.st_mode) && S_ISDIR(theirs.st_mode)) return true;
  if (exists && (S_ISDIR(mine.st_mode) || S_ISDIR(theirs.st_mode))) remove_tree(to);  // a change of kind
  const bool done = S_ISDIR(mine.st_mode) ? mkdir(to.c_str(), mine.st_mode & 07777) == 0
                                          : rename(from.c_str(), to.c_str()) == 0;
  if (!done) error = "cannot hand on " + relative + ": " + std::strerror(errno);
  return done;
}

}  // namespace

bool hand_on(const std::filesystem::path& base, const std::vector<std::filesystem::path>& copies,
             std::string& error) {
  std::vector<Changes> changes(copies.size());
  for (std::size_t i = 0; i < copies.size(); ++i)
    if (!changes_of(base, copies[i], changes[i], error)) return false;
  for (std::size_t i = 0; i < copies.size(); ++i) {
    for (const std::string& relative : changes[i].removed)
      if (folders_to(base, relative)) remove_tree(base / relative);
    for (const std::string& relative : changes[i].written)
      if (!write_over(base, copies[i], relative, error)) return false;
  }
  return true;
}

void remove_tree(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::remove_all(path, ec);
  if (!ec) return;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path, ec);
}

}  // namespace runner
