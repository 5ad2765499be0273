#include "core/uuid.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>
#include <vector>

using core::Uuid;

TEST(Uuid, NewIdsAreVersion7WithRfcVariant) {
  Uuid id = Uuid::new_v7();
  EXPECT_EQ(id.version(), 7);
  EXPECT_EQ(id.bytes()[8] & 0xc0, 0x80);
  EXPECT_FALSE(id.is_nil());
}

TEST(Uuid, TimestampIsTheCurrentUnixTime) {
  using namespace std::chrono;
  auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto millis = static_cast<long long>(Uuid::new_v7().unix_millis());
  EXPECT_LE(std::llabs(millis - now), 5000);
}

TEST(Uuid, FormatsLowercaseCanonical) {
  Uuid::Bytes b{0x01, 0x8f, 0x3a, 0xbc, 0xde, 0xf0, 0x7a, 0xbc, 0x8d, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
  EXPECT_EQ(Uuid(b).to_string(), "018f3abc-def0-7abc-8def-0123456789ab");
}

TEST(Uuid, ParseRoundTripsAndAcceptsUppercase) {
  Uuid id = Uuid::new_v7();
  auto parsed = Uuid::parse(id.to_string());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, id);

  auto upper = Uuid::parse("018F3ABC-DEF0-7ABC-8DEF-0123456789AB");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(upper->to_string(), "018f3abc-def0-7abc-8def-0123456789ab");
}

TEST(Uuid, RejectsMalformedText) {
  for (const char* bad : {"", "018f3abc-def0-7abc-8def-0123456789a", "018f3abc-def0-7abc-8def-0123456789abc",
                          "018f3abcXdef0-7abc-8def-0123456789ab", "018f3abc-def0-7abc-8def-0123456789ag",
                          "018f3abcdef07abc8def0123456789ab", "{018f3abc-def0-7abc-8def-0123456789ab}"}) {
    EXPECT_FALSE(core::is_uuid(bad)) << bad;
    EXPECT_FALSE(Uuid::parse(bad).has_value()) << bad;
  }
  EXPECT_TRUE(core::is_uuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(Uuid::parse("00000000-0000-0000-0000-000000000000")->is_nil());
}

TEST(Uuid, IdsIncreaseStrictlyWithinOneMillisecondBurst) {
  std::vector<Uuid> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(Uuid::new_v7());
  for (size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]) << i;
    ASSERT_LT(ids[i - 1].to_string(), ids[i].to_string()) << i;  // text order matches byte order
  }
}

TEST(Uuid, ThreadsNeverCollide) {
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::vector<Uuid>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(Uuid::new_v7());
    });
  for (auto& thread : threads) thread.join();
  std::set<Uuid> unique;
  for (auto& ids : made) unique.insert(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(Uuid, RandomPartsDifferBetweenIds) {
  Uuid a = Uuid::new_v7(), b = Uuid::new_v7();
  EXPECT_NE(std::vector(a.bytes().begin() + 8, a.bytes().end()), std::vector(b.bytes().begin() + 8, b.bytes().end()));
}
