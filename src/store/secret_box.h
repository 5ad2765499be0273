// Encryption of secret values at rest: AES-256-GCM (OpenSSL EVP) with a fresh
// random 96-bit nonce for every value. The additional authenticated data is
// "<project id>/<name>", so a sealed value copied to another secret or
// another project fails to open instead of leaking there.
//
// Sealed text is base64 of nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes):
// it fits a text column on every backend.
//
// Thread-safety: a SecretBox is immutable; seal and open may run on many
// threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace store {

class SecretBox {
 public:
  explicit SecretBox(const SecretsKey& key) : key_(key) {}

  // Throws std::runtime_error when OpenSSL fails (no entropy for a nonce).
  std::string seal(std::string_view project_id, std::string_view name, std::string_view value) const;
  // Nothing when `sealed` was not sealed with this key for this secret, or is damaged.
  std::optional<std::string> open(std::string_view project_id, std::string_view name, std::string_view sealed) const;

 private:
  SecretsKey key_;
};

}  // namespace store
