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

TEST(Base64, DecodesWhatItEncodes) {
  for (const std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff", "\0\x01\x02"})
    EXPECT_EQ(core::base64_decode(core::base64_encode(bytes)), bytes);
  EXPECT_EQ(core::base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, RefusesWhatIsNotPaddedBase64) {
  for (const char* text : {"Zg", "Zg=", "Zm9v\n", "Z===", "Zh==", "Zm9v!A==", "====", "Zg==Zg=="})
    EXPECT_EQ(core::base64_decode(text), std::nullopt) << text;
}

}  // namespace
