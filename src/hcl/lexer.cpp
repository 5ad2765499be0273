#include "hcl/lexer.h"

#include "hcl/arena.h"

namespace hcl {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

uint32_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  auto cont = [&](size_t i) { return (byte(i) & 0xC0) == 0x80; };
  unsigned b0 = byte(0);
  if (b0 < 0x80) return s.empty() ? 0 : 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned b1 = byte(1);
    // Reject overlong forms (E0 80..9F) and UTF-16 surrogates (ED A0..BF).
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned b1 = byte(1);
    if ((b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

bool is_ident_start(unsigned char c) { return is_ascii_letter(static_cast<char>(c)) || c == '_' || c >= 0x80; }
bool is_ident_continue(unsigned char c) { return is_ident_start(c) || is_digit(static_cast<char>(c)) || c == '-'; }

Lexer::Lexer(std::string_view text, uint32_t start, Arena& arena, Diagnostics& diags,
             const std::shared_ptr<const SourceFile>& file)
    : text_(text), pos_(start), arena_(arena), diags_(diags), file_(file) {}

void Lexer::error(Span span, std::string summary, std::string detail) {
  if (!quiet_) diags_.error(file_, span, std::move(summary), std::move(detail));
}

bool Lexer::take_utf8() {
  uint32_t n = utf8_sequence_length(text_.substr(pos_));
  if (n == 0) {
    error({pos_, pos_ + 1}, "Invalid character encoding",
          "This byte is not part of valid UTF-8 text. HCL files must be UTF-8 encoded: re-save the file as UTF-8.");
    ++pos_;
    return false;
  }
  pos_ += n;
  return true;
}

Token Lexer::next() {
  const uint32_t size = static_cast<uint32_t>(text_.size());
  while (pos_ < size) {
    uint32_t start = pos_;
    char c = text_[pos_];
    switch (c) {
      case ' ':
      case '\t':
        ++pos_;
        continue;
      case '\r':
        if (pos_ + 1 < size && text_[pos_ + 1] == '\n') {
          pos_ += 2;
          return {Tok::Newline, {start, pos_}};
        }
        ++pos_;
        continue;
      case '\n':
        ++pos_;
        return {Tok::Newline, {start, pos_}};
      case '#':
        skip_line_comment();
        continue;
      case '/':
        if (pos_ + 1 < size && text_[pos_ + 1] == '/') {
          skip_line_comment();
          continue;
        }
        if (pos_ + 1 < size && text_[pos_ + 1] == '*') {
          if (!skip_block_comment(start)) return {Tok::Invalid, {start, pos_}};
          continue;
        }
        break;
      default:
        break;
    }
    if (is_digit(c)) return number(start);
    if (is_ident_start(static_cast<unsigned char>(c))) return identifier(start);
    return punctuation(start);
  }
  return {Tok::Eof, {size, size}};
}

void Lexer::skip_line_comment() {
  // The newline is left for next(): it still ends the attribute.
  while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') {
    if (static_cast<unsigned char>(text_[pos_]) >= 0x80)
      take_utf8();
    else
      ++pos_;
  }
}

bool Lexer::skip_block_comment(uint32_t start) {
  size_t close = text_.find("*/", start + 2);
  if (close == std::string_view::npos) {
    pos_ = static_cast<uint32_t>(text_.size());
    ran_off_end_ = true;
    error({start, start + 2}, "Unterminated comment",
          "This /* comment has no closing */, so the rest of the file is part of it. Add */ where the comment "
          "should end.");
    return false;
  }
  pos_ = start + 2;
  while (pos_ < close) {
    if (static_cast<unsigned char>(text_[pos_]) >= 0x80)
      take_utf8();
    else
      ++pos_;
  }
  pos_ = static_cast<uint32_t>(close + 2);
  return true;
}

Token Lexer::number(uint32_t start) {
  auto digits = [&] {
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  };
  auto at = [&](uint32_t i) { return i < text_.size() ? text_[i] : '\0'; };
  digits();
  if (at(pos_) == '.' && is_digit(at(pos_ + 1))) {
    ++pos_;
    digits();
  }
  bool bad_exponent = false;
  if (at(pos_) == 'e' || at(pos_) == 'E') {
    uint32_t e = pos_ + 1;
    if (at(e) == '+' || at(e) == '-') ++e;
    bad_exponent = !is_digit(at(e));
    pos_ = e;
    digits();
  }
  // A number glued to letters or to another fraction (0xFF, 10s, 1.2.3) is
  // one mistaken literal, not a number followed by something else.
  bool glued = is_ident_continue(static_cast<unsigned char>(at(pos_))) || (at(pos_) == '.' && is_digit(at(pos_ + 1)));
  if (!bad_exponent && !glued) return {Tok::Number, {start, pos_}};
  while (pos_ < text_.size() && (is_ident_continue(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
    ++pos_;
  std::string detail = "\"";
  detail.append(slice({start, pos_}));
  detail += "\" is not a number. HCL numbers are decimal, like 42, 1.5 or 6.02e23; hexadecimal and octal forms "
            "are not supported, and a value with units must be a quoted string (\"10s\").";
  error({start, pos_}, "Invalid number literal", std::move(detail));
  return {Tok::Invalid, {start, pos_}};
}

Token Lexer::identifier(uint32_t start) {
  while (pos_ < text_.size()) {
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c < 0x80) {
      if (!is_ident_continue(c)) break;
      ++pos_;
    } else if (!take_utf8()) {
      return {Tok::Invalid, {start, pos_}};
    }
  }
  return {Tok::Ident, {start, pos_}};
}

Token Lexer::heredoc_opener(uint32_t start) {
  pos_ = start + 2;
  if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
  uint32_t name_start = pos_;
  while (pos_ < text_.size() && is_ident_continue(static_cast<unsigned char>(text_[pos_])) &&
         static_cast<unsigned char>(text_[pos_]) < 0x80)
    ++pos_;
  bool named = pos_ > name_start && !is_digit(text_[name_start]) && text_[name_start] != '-';
  uint32_t line_end = pos_;
  if (line_end < text_.size() && text_[line_end] == '\r') ++line_end;
  if (named && (line_end == text_.size() || text_[line_end] == '\n')) {
    pos_ = line_end < text_.size() ? line_end + 1 : line_end;
    return {Tok::OHeredoc, {start, pos_}};
  }
  pos_ = named ? pos_ : start + 2;
  error({start, pos_}, "Invalid heredoc",
        "A heredoc starts with <<NAME (or <<-NAME to strip indentation) alone at the end of the line, e.g. "
        "<<EOT, and ends with a line holding only NAME.");
  return {Tok::Invalid, {start, pos_}};
}

Token Lexer::invalid_character(uint32_t start) {
  unsigned char c = static_cast<unsigned char>(text_[start]);
  if (c >= 0x80) {
    take_utf8();
    return {Tok::Invalid, {start, pos_}};
  }
  pos_ = start + 1;
  std::string detail = "This character is not valid here.";
  if (c == '\'')
    detail = "Single quotes are not valid. Use double quotes (\") to enclose strings.";
  else if (c == '&' || c == '|')
    detail = std::string("Use \"") + char(c) + char(c) + "\" for the logical operator.";
  else if (c == '~')
    detail = "A strip marker \"~\" may only appear next to the braces of an interpolation or directive.";
  error({start, pos_}, "Invalid character", detail);
  return {Tok::Invalid, {start, pos_}};
}

Token Lexer::punctuation(uint32_t start) {
  char c = text_[start];
  char n = start + 1 < text_.size() ? text_[start + 1] : '\0';
  auto tok = [&](Tok t, uint32_t len) {
    pos_ = start + len;
    return Token{t, {start, pos_}};
  };
  switch (c) {
    case '{': ++depth_.all, ++depth_.braces; return tok(Tok::LBrace, 1);
    case '}': --depth_.all, --depth_.braces; return tok(Tok::RBrace, 1);
    case '[': ++depth_.all; return tok(Tok::LBrack, 1);
    case ']': --depth_.all; return tok(Tok::RBrack, 1);
    case '(': ++depth_.all; return tok(Tok::LParen, 1);
    case ')': --depth_.all; return tok(Tok::RParen, 1);
    case ',': return tok(Tok::Comma, 1);
    case '?': return tok(Tok::Question, 1);
    case ':': return tok(Tok::Colon, 1);
    case '+': return tok(Tok::Plus, 1);
    case '-': return tok(Tok::Minus, 1);
    case '*': return tok(Tok::Star, 1);
    case '/': return tok(Tok::Slash, 1);
    case '%': return tok(Tok::Percent, 1);
    case '"': return tok(Tok::OQuote, 1);
    case '.':
      if (n == '.' && start + 2 < text_.size() && text_[start + 2] == '.') return tok(Tok::Ellipsis, 3);
      return tok(Tok::Dot, 1);
    case '=':
      if (n == '=') return tok(Tok::EqualEqual, 2);
      if (n == '>') return tok(Tok::FatArrow, 2);
      return tok(Tok::Equal, 1);
    case '!': return n == '=' ? tok(Tok::NotEqual, 2) : tok(Tok::Bang, 1);
    case '<':
      if (n == '<') return heredoc_opener(start);
      return n == '=' ? tok(Tok::LessEqual, 2) : tok(Tok::Less, 1);
    case '>': return n == '=' ? tok(Tok::GreaterEqual, 2) : tok(Tok::Greater, 1);
    case '&':
      if (n == '&') return tok(Tok::And, 2);
      break;
    case '|':
      if (n == '|') return tok(Tok::Or, 2);
      break;
    case '~':
      if (n == '}') {
        --depth_.all, --depth_.braces;
        return tok(Tok::TildeRBrace, 2);
      }
      break;
    default:
      break;
  }
  return invalid_character(start);
}

Span Lexer::scan_digits() {
  uint32_t start = pos_;
  while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  return {start, pos_};
}

}  // namespace hcl
