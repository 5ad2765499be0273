// API token secrets (and the other secrets the store hands out): made from 32 random bytes (OpenSSL RAND_bytes), stored
// only as their SHA-256 (OpenSSL EVP), in lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace store {

// "fct_" and 64 hex digits; the prefix makes a leaked token easy to spot.
std::string new_token_secret();

// `bytes` random bytes in hex: session secrets, CSRF tokens, sign-in states.
std::string random_hex(std::size_t bytes);

std::string sha256_hex(std::string_view data);

}  // namespace store
