#include "blobs/directory_store.h"

#include <fstream>

#include "store_contract.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;

testpaths::TempDir* root = nullptr;

blobs_test::StoreBackend directory{
    "directory",
    [] {
      fs::remove_all(root->path());
      auto store = blobs::DirectoryStore::open(root->path() / "store");
      return store ? std::unique_ptr<blobs::Store>(std::move(store.value())) : nullptr;
    },
    [](const std::string& digest) {
      std::fstream file(root->path() / "store/blobs" / digest.substr(0, 2) / digest,
                        std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(1000);
      file.put('!');
    },
    1};

class DirectoryStoreEnvironment : public ::testing::Environment {
  void SetUp() override { root = new testpaths::TempDir("blobs-directory"); }
  void TearDown() override { delete root; }
};
const auto* environment = ::testing::AddGlobalTestEnvironment(new DirectoryStoreEnvironment);

TEST(DirectoryStore, LayoutFansOutByDigestPrefix) {
  auto store = blobs::DirectoryStore::open(root->path() / "layout");
  ASSERT_TRUE(store);
  std::string bytes = "hello";
  ASSERT_TRUE(blobs_test::put(*store.value(), bytes));
  std::string digest = blobs::sha256_hex(bytes);
  EXPECT_TRUE(fs::exists(root->path() / "layout/blobs" / digest.substr(0, 2) / digest));
  EXPECT_TRUE(fs::is_empty(root->path() / "layout/uploads"));
}

TEST(DirectoryStore, OpenUploadsAreNotPruned) {
  auto store = blobs::DirectoryStore::open(root->path() / "pruning");
  ASSERT_TRUE(store);
  std::string digest = blobs::sha256_hex("abc");
  auto first = store.value()->begin_upload(digest, 3);
  auto second = store.value()->begin_upload(digest, 3);  // the private one beside the shared one
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first.value()->append(0, "ab"));
  auto removed = store.value()->remove_stale_uploads(std::chrono::system_clock::now() + std::chrono::hours(1));
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed.value(), 0u);
  ASSERT_TRUE(first.value()->append(2, "c"));
  EXPECT_TRUE(first.value()->commit());
}

}  // namespace

using blobs_test::StoreContract;
INSTANTIATE_TEST_SUITE_P(Directory, StoreContract, ::testing::Values(&directory),
                         [](const auto& info) { return info.param->name; });
