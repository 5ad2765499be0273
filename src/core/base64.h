// Base64 (RFC 4648, section 4) with padding: HTTP Basic credentials, the
// base of the URL-safe form JSON Web Tokens use, Kubernetes Secret data and
// the *-data fields of a kubeconfig.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace core {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not padded base64 (whitespace is not allowed).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace core
