// Base64 (RFC 4648, with padding), as Kubernetes uses it for Secret data and
// the *-data fields of a kubeconfig.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kubernetes {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not base64 (whitespace is not allowed).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kubernetes
