#include "github/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

namespace github {

namespace {

constexpr std::string_view kPrefix = "sha256=";
constexpr std::size_t kDigestSize = 32;

using Digest = std::array<unsigned char, kDigestSize>;

Digest hmac_sha256(std::string_view key, std::string_view body) {
  Digest digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), digest.data(), &size);
  return digest;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes exactly kDigestSize bytes of hex; false on any other length or digit.
bool decode_digest(std::string_view hex, Digest& out) {
  if (hex.size() != 2 * kDigestSize) return false;
  for (std::size_t i = 0; i < kDigestSize; ++i) {
    int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view body) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : hmac_sha256(key, body)) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

bool is_signature(std::string_view header) {
  Digest digest{};
  return header.starts_with(kPrefix) && decode_digest(header.substr(kPrefix.size()), digest);
}

bool signature_matches(std::string_view secret, std::string_view body, std::string_view header) {
  if (secret.empty() || !header.starts_with(kPrefix)) return false;
  Digest claimed{};
  if (!decode_digest(header.substr(kPrefix.size()), claimed)) return false;
  Digest expected = hmac_sha256(secret, body);
  return CRYPTO_memcmp(claimed.data(), expected.data(), kDigestSize) == 0;
}

}  // namespace github
