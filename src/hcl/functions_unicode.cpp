// UTF-8 decoding and Unicode character classes for the string functions.
#include <locale.h>
#include <wctype.h>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// The C library's UTF-8 locale knows Unicode case mappings and classes. It
// is opened once, privately: the process-wide locale stays untouched.
locale_t utf8_locale() {
  static const locale_t locale = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    return l ? l : newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(nullptr));
  }();
  return locale;
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes one character at s[i], advancing i; malformed input yields U+FFFD
// and consumes one byte.
char32_t decode_one(std::string_view s, size_t& i) {
  auto lead = static_cast<unsigned char>(s[i]);
  int extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
  ++i;
  if (extra == 0) return lead;
  if (extra < 0 || i + extra > s.size()) return kReplacement;
  char32_t c = lead & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if (!is_continuation(b)) return kReplacement;
    c = (c << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
  if (c < kMinimum[extra] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return kReplacement;
  i += extra;
  return c;
}

}  // namespace

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out += decode_one(s, i);
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string encode_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

char32_t to_upper(char32_t c) {
  if (c < 0x80 || !utf8_locale()) return c >= 'a' && c <= 'z' ? c - 32 : c;
  return static_cast<char32_t>(towupper_l(static_cast<wint_t>(c), utf8_locale()));
}

char32_t to_lower(char32_t c) {
  if (c < 0x80 || !utf8_locale()) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), utf8_locale()));
}

bool is_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
  // U+0085 and U+00A0 count as space in Go's unicode.IsSpace.
  if (c == 0x85 || c == 0xA0) return true;
  return utf8_locale() && iswspace_l(static_cast<wint_t>(c), utf8_locale());
}

bool is_letter_or_digit(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
  return utf8_locale() && iswalnum_l(static_cast<wint_t>(c), utf8_locale());
}

}  // namespace hcl::fn
