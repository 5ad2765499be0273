// Percent-decoding (RFC 3986): URL paths and query strings, and user names
// and passwords in database and proxy URLs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace core {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query
// strings). A malformed escape ('%' without two hex digits) gives nullopt.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace core
