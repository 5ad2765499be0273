// Every descriptor a store opens (database files, journals, sockets to the
// database server) is close-on-exec: the server starts agents, and they
// must not inherit a connection to its database.
#include <fcntl.h>

#include <filesystem>
#include <set>
#include <string>

#include "store_fixture.h"

namespace store {
namespace {

// Without the listing's own descriptor, which is closed by the time this returns.
std::set<int> open_descriptors() {
  std::set<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc/self/fd"})
    fds.insert(std::stoi(entry.path().filename()));
  std::erase_if(fds, [](int fd) { return fcntl(fd, F_GETFD) < 0; });
  return fds;
}

std::string target_of(int fd) {
  std::error_code ignored;
  return std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ignored).string();
}

class StoreDescriptors : public ::testing::TestWithParam<const char*> {};

TEST_P(StoreDescriptors, AreCloseOnExec) {
  std::unique_ptr<store::testing::TestDatabase> database;
  FACTORY_CREATE_TEST_DATABASE(database, GetParam());
  const std::set<int> before = open_descriptors();
  auto opened = open(database->url(), {.pool_size = 2, .secrets_key = testing::test_secrets_key()});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto created = (*opened)->create_project({"acme", "rocket", "https://git.example/acme/rocket.git", "secret"});
  ASSERT_TRUE(created.ok()) << created.error().message;  // a write: SQLite opens its journal
  int checked = 0;
  for (const int fd : open_descriptors()) {
    if (before.contains(fd)) continue;
    const int flags = fcntl(fd, F_GETFD);
    ++checked;
    EXPECT_TRUE(flags & FD_CLOEXEC) << "descriptor " << fd << " (" << target_of(fd) << ") is inherited by children";
  }
  EXPECT_GT(checked, 0) << "the store opened nothing?";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreDescriptors, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string{info.param}; });

}  // namespace
}  // namespace store
