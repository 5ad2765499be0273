#include "server/secrets_key.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace server {

namespace fs = std::filesystem;

namespace {

// Closes a file descriptor when it goes out of scope.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

store::Error io_error(const std::string& what) { return store::unavailable(what + ": " + std::strerror(errno)); }

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

store::Status check_key_file(const fs::path& path, const struct stat& info) {
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return store::invalid(path.string() + " is accessible to other users (mode " + octal_mode(info.st_mode) +
                          "): chmod 600 it");
  if (!S_ISREG(info.st_mode) || info.st_size != static_cast<off_t>(store::SecretsKey{}.size()))
    return store::invalid(path.string() + " is not a secrets key (32 bytes): restore the original from a backup, "
                          "as the stored secrets cannot be read without it");
  return {};
}

// not_found when there is no key file.
store::Result<store::SecretsKey> read_key(const fs::path& path) {
  const FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (file.fd < 0) {
    if (errno == ENOENT) return store::not_found("no " + path.string());
    return io_error("cannot open " + path.string());
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return io_error("cannot stat " + path.string());
  if (auto checked = check_key_file(path, info); !checked) return checked.error();
  store::SecretsKey key;
  if (::read(file.fd, key.data(), key.size()) != static_cast<ssize_t>(key.size()))
    return io_error("cannot read " + path.string());
  return key;
}

// Makes the directory entry of a new file durable: a lost key loses secrets.
store::Status sync_directory(const fs::path& dir) {
  const FileDescriptor directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (directory.fd < 0 || ::fsync(directory.fd) != 0) return io_error("cannot sync " + dir.string());
  return {};
}

store::Status write_new_key(const FileDescriptor& file, const std::string& name) {
  store::SecretsKey key;
  if (::getrandom(key.data(), key.size(), 0) != static_cast<ssize_t>(key.size()))
    return io_error("no random bytes for a secrets key");
  if (::write(file.fd, key.data(), key.size()) != static_cast<ssize_t>(key.size()) || ::fsync(file.fd) != 0)
    return io_error("cannot write " + name);
  return {};
}

// Creates the key file unless another process got there first.
store::Status create_key(const fs::path& path) {
  std::string temporary = path.string() + ".XXXXXX";
  const FileDescriptor file{::mkstemp(temporary.data())};  // mode 0600
  if (file.fd < 0) return io_error("cannot create " + temporary);
  store::Status created = write_new_key(file, temporary);
  if (created && ::link(temporary.c_str(), path.c_str()) != 0 && errno != EEXIST)
    created = io_error("cannot create " + path.string());
  ::unlink(temporary.c_str());
  if (!created) return created;
  return sync_directory(path.parent_path());
}

}  // namespace

store::Result<store::SecretsKey> ensure_secrets_key(const fs::path& data_dir) {
  const fs::path path = data_dir / "secrets.key";
  auto key = read_key(path);
  if (key || key.error().kind != store::ErrorKind::NotFound) return key;
  if (auto created = create_key(path); !created) return created.error();
  return read_key(path);
}

}  // namespace server
