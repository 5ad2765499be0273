// Base64 (RFC 4648, section 4) with padding: HTTP Basic credentials, and
// the base of the URL-safe form JSON Web Tokens use.
#pragma once

#include <string>
#include <string_view>

namespace core {

std::string base64_encode(std::string_view bytes);

}  // namespace core
