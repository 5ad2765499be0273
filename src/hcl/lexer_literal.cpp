// The literal text of templates: quoted strings and heredoc bodies, with
// their escapes. Text without escapes stays a view into the source; text
// with escapes is decoded once into the arena.
#include <array>

#include "hcl/arena.h"
#include "hcl/lexer.h"

namespace hcl {

namespace {

// Bytes that end a run of plain literal text.
constexpr std::array<bool, 256> make_special(bool quoted) {
  std::array<bool, 256> t{};
  for (int c = 0x80; c < 256; ++c) t[c] = true;
  t['$'] = t['%'] = t['\n'] = t['\r'] = true;
  if (quoted) t['"'] = t['\\'] = true;
  return t;
}
constexpr auto kQuotedSpecial = make_special(true);
constexpr auto kHeredocSpecial = make_special(false);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code point of `digits` hex digits at `s`, or -1.
int32_t parse_hex(std::string_view s, size_t digits) {
  if (s.size() < digits) return -1;
  int64_t v = 0;  // eight hex digits may exceed int32
  for (size_t i = 0; i < digits; ++i) {
    int h = hex_value(s[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v > 0x10FFFF ? -1 : static_cast<int32_t>(v);
}

bool is_scalar_value(int32_t cp) { return cp >= 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF); }

size_t encode_utf8(int32_t cp, char* out) {
  auto b = [](int32_t v) { return static_cast<char>(v); };
  if (cp < 0x80) {
    out[0] = b(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = b(0xC0 | (cp >> 6));
    out[1] = b(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = b(0xE0 | (cp >> 12));
    out[1] = b(0x80 | ((cp >> 6) & 0x3F));
    out[2] = b(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = b(0xF0 | (cp >> 18));
  out[1] = b(0x80 | ((cp >> 12) & 0x3F));
  out[2] = b(0x80 | ((cp >> 6) & 0x3F));
  out[3] = b(0x80 | (cp & 0x3F));
  return 4;
}

// `$${` and `%%{` at `s`: the escaped template openers.
bool is_escaped_opener(std::string_view s) { return s.size() >= 3 && s[1] == s[0] && s[2] == '{'; }

}  // namespace

void Lexer::take_escape() {
  uint32_t start = pos_;
  char sel = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  switch (sel) {
    case 'n': case 'r': case 't': case '"': case '\\':
      pos_ += 2;
      return;
    case 'u':
    case 'U': {
      size_t digits = sel == 'u' ? 4 : 8;
      int32_t cp = parse_hex(text_.substr(pos_ + 2), digits);
      if (is_scalar_value(cp)) {
        pos_ += static_cast<uint32_t>(2 + digits);
        return;
      }
      pos_ += 2;
      error({start, pos_}, "Invalid escape sequence",
            std::string("\\") + sel + " must be followed by exactly " + std::to_string(digits) +
                std::string(" hexadecimal digits naming a Unicode character, e.g. ") + (sel == 'u' ? "\\u00e9" : "\\U0001F680") +
                ".");
      return;
    }
    default:
      break;
  }
  pos_ += sel == '\n' || sel == '\0' ? 1 : 2;
  error({start, pos_}, "Invalid escape sequence",
        std::string("The symbol \"") + std::string(text_.substr(start + 1, pos_ - start - 1)) +
            "\" is not a valid escape sequence selector. Valid escapes are \\n \\r \\t \\\" \\\\ \\uNNNN and "
            "\\UNNNNNNNN; write \\\\ for a literal backslash.");
}

LiteralText Lexer::scan_quoted_literal() {
  const uint32_t start = pos_;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  bool escapes = false;
  LiteralText lit;
  for (;;) {
    while (pos_ < size && !kQuotedSpecial[static_cast<unsigned char>(text_[pos_])]) ++pos_;
    if (pos_ >= size) {
      lit.end = LiteralEnd::Eof;
      ran_off_end_ = true;
      break;
    }
    char c = text_[pos_];
    if (c == '"') {
      lit.end = LiteralEnd::Close;
      break;
    }
    if (c == '\\') {
      escapes = true;
      take_escape();
    } else if (c == '$' || c == '%') {
      std::string_view rest = text_.substr(pos_);
      if (rest.size() > 1 && rest[1] == '{') {
        lit.end = c == '$' ? LiteralEnd::Interp : LiteralEnd::Directive;
        break;
      }
      if (is_escaped_opener(rest)) {
        escapes = true;
        pos_ += 3;
      } else {
        ++pos_;
      }
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && !(pos_ + 1 < size && text_[pos_ + 1] == '\n')) {
        ++pos_;
        continue;
      }
      error({pos_, pos_ + 1}, "Invalid multi-line string",
            "Quoted strings may not be split over multiple lines: close the string with \" on this line. For a "
            "newline inside a string use the \\n escape, or use a heredoc (<<EOT ... EOT) for multi-line text.");
      lit.end = LiteralEnd::Error;
      break;
    } else {
      take_utf8();
    }
  }
  lit.span = {start, pos_};
  lit.value = escapes ? decode(lit.span, true) : slice(lit.span);
  return lit;
}

bool Lexer::at_heredoc_close(uint32_t line_start, std::string_view marker, uint32_t* end) const {
  uint32_t p = line_start;
  while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
  if (text_.substr(p, marker.size()) != marker) return false;
  p += static_cast<uint32_t>(marker.size());
  if (p < text_.size() && text_[p] == '\r') ++p;
  if (p < text_.size() && text_[p] != '\n') return false;
  *end = p < text_.size() ? p + 1 : p;
  return true;
}

LiteralText Lexer::scan_heredoc_literal(std::string_view marker) {
  const uint32_t start = pos_;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  bool escapes = false;
  LiteralText lit;
  uint32_t close_end = 0;
  bool line_start = pos_ == 0 || text_[pos_ - 1] == '\n';
  if (line_start && at_heredoc_close(pos_, marker, &close_end)) {
    lit.end = LiteralEnd::Close;
  } else {
    for (;;) {
      while (pos_ < size && !kHeredocSpecial[static_cast<unsigned char>(text_[pos_])]) ++pos_;
      if (pos_ >= size) {
        lit.end = LiteralEnd::Eof;
        ran_off_end_ = true;
        break;
      }
      char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        lit.end = LiteralEnd::LineEnd;
        break;
      }
      if (c == '$' || c == '%') {
        std::string_view rest = text_.substr(pos_);
        if (rest.size() > 1 && rest[1] == '{') {
          lit.end = c == '$' ? LiteralEnd::Interp : LiteralEnd::Directive;
          break;
        }
        bool escaped = is_escaped_opener(rest);
        escapes |= escaped;
        pos_ += escaped ? 3 : 1;
      } else if (c == '\r') {
        ++pos_;
      } else {
        take_utf8();
      }
    }
  }
  lit.span = {start, pos_};
  lit.value = escapes ? decode(lit.span, false) : slice(lit.span);
  return lit;
}

Span Lexer::consume_heredoc_close(std::string_view marker) {
  // Stops after the marker: the newline that follows still ends the attribute.
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  uint32_t start = pos_;
  pos_ += static_cast<uint32_t>(marker.size());
  return {start, pos_};
}

bool Lexer::consume_template_opener() {
  pos_ += 2;
  ++depth_.all, ++depth_.braces;
  if (pos_ < text_.size() && text_[pos_] == '~') {
    ++pos_;
    return true;
  }
  return false;
}

std::string_view Lexer::decode(Span raw, bool backslash_escapes) {
  std::string_view in = slice(raw);
  // Decoded text is never longer than its source.
  char* out = static_cast<char*>(arena_.allocate(in.size(), 1));
  size_t n = 0;
  for (size_t i = 0; i < in.size();) {
    char c = in[i];
    if ((c == '$' || c == '%') && is_escaped_opener(in.substr(i))) {
      out[n++] = c;
      out[n++] = '{';
      i += 3;
      continue;
    }
    if (c != '\\' || !backslash_escapes || i + 1 >= in.size()) {
      out[n++] = c;
      ++i;
      continue;
    }
    char sel = in[i + 1];
    i += 2;
    switch (sel) {
      case 'n': out[n++] = '\n'; break;
      case 'r': out[n++] = '\r'; break;
      case 't': out[n++] = '\t'; break;
      case '"': out[n++] = '"'; break;
      case '\\': out[n++] = '\\'; break;
      case 'u':
      case 'U': {
        size_t digits = sel == 'u' ? 4 : 8;
        int32_t cp = parse_hex(in.substr(i), digits);
        if (is_scalar_value(cp)) {
          n += encode_utf8(cp, out + n);
          i += digits;
        }
        break;
      }
      default:
        break;  // already reported as an invalid escape; dropped from the value
    }
  }
  return {out, n};
}

void Lexer::skip_quoted_rest() {
  while (pos_ < text_.size() && text_[pos_] != '\n') {
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      return;
    }
    pos_ += c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n' ? 2 : 1;
  }
}

void Lexer::skip_heredoc_rest(std::string_view marker) {
  while (pos_ < text_.size()) {
    uint32_t end = 0;
    if ((pos_ == 0 || text_[pos_ - 1] == '\n') && at_heredoc_close(pos_, marker, &end)) {
      consume_heredoc_close(marker);
      return;
    }
    size_t nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? static_cast<uint32_t>(text_.size()) : static_cast<uint32_t>(nl + 1);
  }
}

}  // namespace hcl
