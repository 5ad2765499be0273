// Webhook signatures: GitHub signs each delivery's raw body with the hook's
// secret, HMAC-SHA256, and sends `X-Hub-Signature-256: sha256=<64 hex digits>`.
// A delivery is trusted only when that header matches the body exactly.
// Thread-safe: plain functions over their arguments.
#pragma once

#include <string>
#include <string_view>

namespace github {

// Lowercase hex HMAC-SHA256 of body under key.
std::string hmac_sha256_hex(std::string_view key, std::string_view body);

// True when header has a signature's form: "sha256=" and 64 hex digits.
// A delivery without one is unsigned, whoever it claims to come from.
bool is_signature(std::string_view header);

// True when header is "sha256=" followed by the body's HMAC under secret.
// Compared in constant time, so timing does not reveal how much matched.
// An empty secret never verifies: such a hook cannot be authenticated.
bool signature_matches(std::string_view secret, std::string_view body, std::string_view header);

}  // namespace github
