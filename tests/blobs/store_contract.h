// What every blobs::Store must do, run against each backend: a test file
// instantiates StoreContract with a StoreBackend that makes its store and
// can damage a stored blob.
#pragma once

#include <gtest/gtest.h>

#include <barrier>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "blobs/sha256.h"
#include "blobs/store.h"

namespace blobs_test {

struct StoreBackend {
  std::string name;
  std::function<std::unique_ptr<blobs::Store>()> make;
  std::function<void(const std::string& digest)> corrupt;  // flips a stored byte
  std::size_t resume_granularity;  // what an interrupted upload keeps: every byte (1) or whole parts
  std::function<std::string()> unavailable = nullptr;  // why the backend cannot run here ("" when it can)
};

inline std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(random());
  return bytes;
}

inline blobs::Status put(blobs::Store& store, const std::string& bytes, std::size_t chunk = 100'000) {
  auto upload = store.begin_upload(blobs::sha256_hex(bytes), bytes.size());
  if (!upload) return upload.error();
  for (std::uint64_t at = upload.value()->offset(); at < bytes.size(); at += chunk) {
    if (auto appended = upload.value()->append(at, std::string_view(bytes).substr(at, chunk)); !appended) {
      return appended;
    }
  }
  return upload.value()->commit();
}

inline blobs::Result<std::string> read_all(blobs::Store& store, const std::string& digest) {
  std::string bytes;
  auto read = store.read(digest, [&](std::string_view piece) {
    bytes.append(piece);
    return true;
  });
  if (!read) return read.error();
  return bytes;
}

inline std::string read_range(blobs::Store& store, const std::string& digest, std::uint64_t offset,
                              std::uint64_t length) {
  std::string bytes;
  auto read = store.read_range(digest, offset, length, [&](std::string_view piece) {
    bytes.append(piece);
    return true;
  });
  EXPECT_TRUE(read) << read.error().message;
  return bytes;
}

class StoreContract : public ::testing::TestWithParam<StoreBackend*> {
 protected:
  void SetUp() override {
    if (GetParam()->unavailable) {
      if (std::string why = GetParam()->unavailable(); !why.empty()) GTEST_SKIP() << why;
    }
    store_ = GetParam()->make();
    ASSERT_TRUE(store_);
  }
  std::unique_ptr<blobs::Store> store_;
};

TEST_P(StoreContract, PutThenStatReadListRemove) {
  std::string bytes = random_bytes(1'000'000, 1);
  std::string digest = blobs::sha256_hex(bytes);
  EXPECT_EQ(store_->stat(digest).error().kind, blobs::ErrorKind::NotFound);
  auto committed = put(*store_, bytes);
  ASSERT_TRUE(committed) << committed.error().message;
  auto info = store_->stat(digest);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, bytes.size());
  EXPECT_LT(std::chrono::system_clock::now() - info->modified, std::chrono::minutes(5));
  auto read = read_all(*store_, digest);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(read.value() == bytes);
  auto listed = store_->list();
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().digest, digest);
  EXPECT_EQ(listed->front().size, bytes.size());
  ASSERT_TRUE(store_->remove(digest));
  EXPECT_EQ(store_->stat(digest).error().kind, blobs::ErrorKind::NotFound);
  EXPECT_EQ(store_->remove(digest).error().kind, blobs::ErrorKind::NotFound);
  EXPECT_TRUE(store_->list()->empty());
}

TEST_P(StoreContract, RangedReads) {
  std::string bytes = random_bytes(300'000, 2);
  std::string digest = blobs::sha256_hex(bytes);
  ASSERT_TRUE(put(*store_, bytes));
  EXPECT_TRUE(read_range(*store_, digest, 1000, 5000) == bytes.substr(1000, 5000));
  EXPECT_TRUE(read_range(*store_, digest, 299'990, 100) == bytes.substr(299'990));
  EXPECT_EQ(read_range(*store_, digest, 400'000, 10), "");
  EXPECT_EQ(read_range(*store_, digest, 0, 0), "");
}

TEST_P(StoreContract, EmptyBlob) {
  ASSERT_TRUE(put(*store_, ""));
  auto read = read_all(*store_, blobs::sha256_hex(""));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read.value(), "");
}

TEST_P(StoreContract, CorruptBlobIsDetectedOnReadAndCanBeRemoved) {
  std::string bytes = random_bytes(200'000, 3);
  std::string digest = blobs::sha256_hex(bytes);
  ASSERT_TRUE(put(*store_, bytes));
  GetParam()->corrupt(digest);
  auto read = read_all(*store_, digest);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind, blobs::ErrorKind::Corrupt) << read.error().message;
  ASSERT_TRUE(store_->remove(digest));
  EXPECT_EQ(read_all(*store_, digest).error().kind, blobs::ErrorKind::NotFound);
}

TEST_P(StoreContract, InterruptedUploadResumesFromTheStoresOffset) {
  std::string bytes = random_bytes(1'000'000, 4);
  std::string digest = blobs::sha256_hex(bytes);
  std::size_t cut = 650'000;
  {
    auto upload = store_->begin_upload(digest, bytes.size());
    ASSERT_TRUE(upload) << upload.error().message;
    EXPECT_EQ(upload.value()->offset(), 0u);
    for (std::size_t at = 0; at < cut; at += 50'000) {
      ASSERT_TRUE(upload.value()->append(at, std::string_view(bytes).substr(at, 50'000)));
    }
  }  // the uploader goes away without committing
  EXPECT_EQ(store_->stat(digest).error().kind, blobs::ErrorKind::NotFound);
  auto upload = store_->begin_upload(digest, bytes.size());
  ASSERT_TRUE(upload) << upload.error().message;
  std::uint64_t held = upload.value()->offset();
  std::size_t granularity = GetParam()->resume_granularity;
  EXPECT_EQ(held, cut / granularity * granularity);
  EXPECT_GT(held, 0u);
  auto appended = upload.value()->append(held, std::string_view(bytes).substr(held));
  ASSERT_TRUE(appended) << appended.error().message;
  auto committed = upload.value()->commit();
  ASSERT_TRUE(committed) << committed.error().message;
  auto read = read_all(*store_, digest);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(read.value() == bytes);
}

TEST_P(StoreContract, AppendsOutOfOrderOrPastTheSizeAreRefused) {
  std::string bytes = random_bytes(1000, 5);
  auto upload = store_->begin_upload(blobs::sha256_hex(bytes), bytes.size());
  ASSERT_TRUE(upload) << upload.error().message;
  auto gap = upload.value()->append(10, "x");
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().kind, blobs::ErrorKind::Conflict);
  EXPECT_NE(gap.error().message.find("holds 0 bytes"), std::string::npos) << gap.error().message;
  ASSERT_TRUE(upload.value()->append(0, std::string_view(bytes).substr(0, 500)));
  auto twice = upload.value()->append(0, std::string_view(bytes).substr(0, 500));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, blobs::ErrorKind::Conflict);
  auto past = upload.value()->append(500, std::string(600, 'x'));
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().kind, blobs::ErrorKind::Invalid);
  auto early = upload.value()->commit();
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, blobs::ErrorKind::Invalid);
}

TEST_P(StoreContract, BytesThatDoNotMatchTheDigestAreNeverVisible) {
  std::string bytes = random_bytes(100'000, 6);
  std::string claimed = blobs::sha256_hex("something else");
  auto upload = store_->begin_upload(claimed, bytes.size());
  ASSERT_TRUE(upload) << upload.error().message;
  ASSERT_TRUE(upload.value()->append(0, bytes));
  auto committed = upload.value()->commit();
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error().kind, blobs::ErrorKind::Corrupt);
  EXPECT_EQ(store_->stat(claimed).error().kind, blobs::ErrorKind::NotFound);
  EXPECT_TRUE(store_->list()->empty());
}

TEST_P(StoreContract, TwoConcurrentUploadsOfOneDigestLeaveOneBlob) {
  std::string bytes = random_bytes(800'000, 7);
  std::string digest = blobs::sha256_hex(bytes);
  std::barrier both_sent(2);
  blobs::Status results[2] = {blobs::Ok{}, blobs::Ok{}};
  auto uploader = [&](int which) {
    auto upload = store_->begin_upload(digest, bytes.size());
    if (!upload) {
      both_sent.arrive_and_drop();
      results[which] = upload.error();
      return;
    }
    auto appended = upload.value()->append(0, bytes);
    both_sent.arrive_and_wait();  // both hold every byte before either commits
    results[which] = appended ? upload.value()->commit() : appended;
  };
  std::thread first(uploader, 0), second(uploader, 1);
  first.join();
  second.join();
  EXPECT_TRUE(results[0]) << results[0].error().message;
  EXPECT_TRUE(results[1]) << results[1].error().message;
  auto listed = store_->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().digest, digest);
  auto read = read_all(*store_, digest);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(read.value() == bytes);
}

// Uploads that overlap in time without racing: the second begins while the
// first is open and commits after it (S3Store: the second finds the first's
// manifest and shares its multipart upload, which the first then completes).
TEST_P(StoreContract, OverlappingUploadsOfOneDigestBothSucceed) {
  std::string bytes = random_bytes(300'000, 9);
  std::string digest = blobs::sha256_hex(bytes);
  auto first = store_->begin_upload(digest, bytes.size());
  ASSERT_TRUE(first) << first.error().message;
  auto second = store_->begin_upload(digest, bytes.size());
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_TRUE(first.value()->append(0, bytes));
  auto committed = first.value()->commit();
  ASSERT_TRUE(committed) << committed.error().message;
  auto appended = second.value()->append(second.value()->offset(),
                                         std::string_view(bytes).substr(second.value()->offset()));
  auto also = appended ? second.value()->commit() : appended;
  EXPECT_TRUE(also) << also.error().message;
  ASSERT_EQ(store_->list()->size(), 1u);
  EXPECT_TRUE(read_all(*store_, digest));
}

TEST_P(StoreContract, UploadOfAStoredBlobHasNothingToSend) {
  std::string bytes = random_bytes(1000, 8);
  ASSERT_TRUE(put(*store_, bytes));
  auto upload = store_->begin_upload(blobs::sha256_hex(bytes), bytes.size());
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload.value()->offset(), bytes.size());
  EXPECT_TRUE(upload.value()->commit());
}

TEST_P(StoreContract, StaleUploadsAreRemovedAndOpenOnesKept) {
  std::string bytes = random_bytes(300'000, 10);
  std::string digest = blobs::sha256_hex(bytes);
  {
    auto upload = store_->begin_upload(digest, bytes.size());
    ASSERT_TRUE(upload) << upload.error().message;
    ASSERT_TRUE(upload.value()->append(0, std::string_view(bytes).substr(0, 200'000)));
  }  // interrupted
  auto now = std::chrono::system_clock::now();
  auto none = store_->remove_stale_uploads(now - std::chrono::hours(1));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none.value(), 0u);
  EXPECT_GT(store_->begin_upload(digest, bytes.size()).value()->offset(), 0u);  // still resumable
  auto removed = store_->remove_stale_uploads(now + std::chrono::hours(1));
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed.value(), 1u);
  auto fresh = store_->begin_upload(digest, bytes.size());
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fresh.value()->offset(), 0u);
  ASSERT_TRUE(fresh.value()->append(0, bytes));
  ASSERT_TRUE(fresh.value()->commit());
  EXPECT_TRUE(read_all(*store_, digest));
}

TEST_P(StoreContract, DigestsAreChecked) {
  for (const char* bad : {"../../etc/passwd", "ABCDEF", ""}) {
    EXPECT_EQ(store_->stat(bad).error().kind, blobs::ErrorKind::Invalid);
    EXPECT_EQ(store_->begin_upload(bad, 1).error().kind, blobs::ErrorKind::Invalid);
    EXPECT_EQ(store_->remove(bad).error().kind, blobs::ErrorKind::Invalid);
  }
}

}  // namespace blobs_test
