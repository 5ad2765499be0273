#include "api/project_input.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "api/errors.h"

namespace api {

namespace {

bool has_host_after(std::string_view url, std::string_view prefix) {
  if (url.substr(0, prefix.size()) != prefix) return false;
  const std::string_view rest = url.substr(prefix.size());
  return !rest.empty() && rest.find_first_of("/?#") != 0;
}

// git@github.com:acme/web.git
bool is_scp_like(std::string_view url) {
  if (url.substr(0, 4) != "git@") return false;
  const auto colon = url.find(':');
  return colon != std::string_view::npos && colon > 4 && colon + 1 < url.size() &&
         url.substr(4, colon - 4).find('/') == std::string_view::npos;
}

bool has_whitespace(std::string_view text) {
  return text.find_first_of(" \t\r\n") != std::string_view::npos;
}

}  // namespace

void check_repository_url(std::string_view url) {
  const bool known_form = has_host_after(url, "https://") || has_host_after(url, "http://") ||
                          has_host_after(url, "git://") || is_scp_like(url);
  if (!known_form || has_whitespace(url)) {
    fail(400, "invalid", "url must be an http(s):// or git:// URL, or git@host:path");
  }
}

std::string new_webhook_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error{"RAND_bytes failed to make a webhook secret"};
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string secret;
  for (unsigned char byte : bytes) {
    secret += digits[byte >> 4];
    secret += digits[byte & 0xf];
  }
  return secret;
}

}  // namespace api
