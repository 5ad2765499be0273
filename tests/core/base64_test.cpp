#include "core/base64.h"

#include <gtest/gtest.h>

namespace {

TEST(Base64, EncodesRfc4648TestVectorsWithPadding) {
  EXPECT_EQ(core::base64_encode(""), "");
  EXPECT_EQ(core::base64_encode("f"), "Zg==");
  EXPECT_EQ(core::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(core::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(core::base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(core::base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(core::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(core::base64_encode("\xfb\xff"), "+/8=");
}

}  // namespace
