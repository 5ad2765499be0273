// Cutting UTF-8 text short without splitting a character.
#pragma once

#include <cstddef>
#include <string_view>

namespace core {

// The longest prefix of `text` of at most `max_bytes` that ends at a
// character boundary: `text` itself when it fits.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // a continuation byte
  return text.substr(0, end);
}

}  // namespace core
