#include "server/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace server {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error{errno, std::generic_category(), what}; }

}  // namespace

void create_data_dir(const fs::path& dir) {
  if (fs::is_directory(dir)) return;
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path());
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
}

bool is_private(const fs::path& dir) {
  const fs::perms others = fs::perms::group_all | fs::perms::others_all;
  return (fs::status(dir).permissions() & others) == fs::perms::none;
}

void write_private_file(const fs::path& path, std::string_view content) {
  const std::string temporary = path.string() + ".new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create " + temporary);
  // O_CREAT's mode does not apply to a file left over from an earlier attempt.
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                       ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  errno = write_errno;
  if (!written) fail("cannot write " + temporary);
  if (::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename " + temporary + " to " + path.string());
}

}  // namespace server
