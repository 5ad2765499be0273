// Percent-encoding and -decoding (RFC 3986): URL paths and query strings, and user names
// and passwords in database and proxy URLs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace core {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query
// strings). A malformed escape ('%' without two hex digits) gives nullopt.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

// Encodes every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~):
// safe as a path segment, a query value or a form field.
std::string percent_encode(std::string_view text);

}  // namespace core
