#include "core/byte_size.h"

#include <gtest/gtest.h>

namespace {

TEST(ByteSize, ThreeSignificantDigitsInDecimalUnits) {
  EXPECT_EQ(core::byte_size_text(0), "0 B");
  EXPECT_EQ(core::byte_size_text(999), "999 B");
  EXPECT_EQ(core::byte_size_text(1000), "1.00 kB");
  EXPECT_EQ(core::byte_size_text(1234), "1.23 kB");
  EXPECT_EQ(core::byte_size_text(34'560), "34.6 kB");
  EXPECT_EQ(core::byte_size_text(999'499), "999 kB");
  EXPECT_EQ(core::byte_size_text(999'500), "1.00 MB");
  EXPECT_EQ(core::byte_size_text(12'400'000), "12.4 MB");
  EXPECT_EQ(core::byte_size_text(std::uint64_t{5} << 40), "5.50 TB");
}

}  // namespace
