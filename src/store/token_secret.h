// API token secrets: made from 32 random bytes (OpenSSL RAND_bytes), stored
// only as their SHA-256 (OpenSSL EVP), in lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace store {

// "fct_" and 64 hex digits; the prefix makes a leaked token easy to spot.
std::string new_token_secret();

std::string sha256_hex(std::string_view data);

}  // namespace store
