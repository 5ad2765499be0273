// <data-dir>/secrets.key: made once, private, read again; anything else refused.
#include "server/secrets_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>
#include <vector>

#include "../temp_dir.h"

namespace server {
namespace {

namespace fs = std::filesystem;
using testpaths::TempDir;

class SecretsKeyTest : public ::testing::Test {
 protected:
  fs::path key_path() const { return temp.path() / "secrets.key"; }

  void write_key_file(std::size_t size, fs::perms mode) {
    std::ofstream{key_path(), std::ios::binary} << std::string(size, 'k');
    fs::permissions(key_path(), mode, fs::perm_options::replace);
  }

  std::string refusal() {
    auto key = ensure_secrets_key(temp.path());
    EXPECT_FALSE(key.ok());
    if (key.ok()) return {};
    EXPECT_EQ(key.error().kind, store::ErrorKind::Invalid) << key.error().message;
    return key.error().message;
  }

  TempDir temp;
};

TEST_F(SecretsKeyTest, TheFirstCallMakesAPrivateKeyThatLaterCallsRead) {
  auto made = ensure_secrets_key(temp.path());
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(fs::file_size(key_path()), 32u);
  EXPECT_EQ(fs::status(key_path()).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  auto read = ensure_secrets_key(temp.path());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, *made);
  EXPECT_NE(*made, store::SecretsKey{});
  EXPECT_EQ(std::distance(fs::directory_iterator{temp.path()}, fs::directory_iterator{}), 1)
      << "no temporary file is left behind";
}

TEST_F(SecretsKeyTest, ServersStartingAtOnceAgreeOnOneKey) {
  constexpr int kServers = 8;
  std::vector<store::Result<store::SecretsKey>> keys(kServers, store::internal("not run"));
  std::vector<std::thread> servers;
  for (int i = 0; i < kServers; ++i) servers.emplace_back([&, i] { keys[i] = ensure_secrets_key(temp.path()); });
  for (auto& server : servers) server.join();
  for (const auto& key : keys) {
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_EQ(*key, *keys[0]);
  }
}

TEST_F(SecretsKeyTest, AFileOfAnotherSizeIsRefused) {
  write_key_file(31, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(refusal().find("is not a secrets key (32 bytes)"), std::string::npos);
  EXPECT_EQ(fs::file_size(key_path()), 31u) << "the file is left as it was";
}

TEST_F(SecretsKeyTest, AFileOthersMayReadIsRefused) {
  write_key_file(32, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_NE(refusal().find("(mode 0640): chmod 600 it"), std::string::npos);
}

}  // namespace
}  // namespace server
