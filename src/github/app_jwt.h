// GitHub App authentication, first step: the app proves who it is with a
// JSON Web Token signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256) by the app's
// private key, which GitHub exchanges for installation access tokens
// (github/credentials.h). The token says iss = app id, iat a minute in the
// past (clocks drift) and exp nine minutes ahead (GitHub takes ten at most).
// Thread-safe: a loaded key is only read.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace github {

class AppKey {
 public:
  // The PEM private key GitHub let the app's owner download (PKCS#1
  // "BEGIN RSA PRIVATE KEY" or PKCS#8). Nullopt with the reason in `error`.
  static std::optional<AppKey> from_pem(std::string_view pem, std::string& error);
  static std::optional<AppKey> load(const std::filesystem::path& file, std::string& error);

  // The JWT of app `app_id` issued at `now`.
  std::string jwt(std::string_view app_id, std::chrono::system_clock::time_point now) const;

 private:
  explicit AppKey(std::shared_ptr<void> key) : key_{std::move(key)} {}
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// base64url without padding (RFC 7515, appendix C).
std::string base64url(std::string_view bytes);

}  // namespace github
