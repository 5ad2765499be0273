// Lexer: turns HCL source into tokens on demand, one at a time.
//
// HCL's lexical structure depends on context (expression text versus the
// literal text of a template), so the parser drives the lexer: `next()` reads
// an expression token, while `scan_quoted_literal()` and
// `scan_heredoc_literal()` read the literal text of a template up to the next
// interpolation, directive or end. Tokens are byte ranges into the source; the
// lexer never copies text while scanning.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hcl/diagnostics.h"

namespace hcl {

enum class Tok : uint8_t {
  Eof,
  Newline,
  Ident,
  Number,
  OQuote,    // "  opens a quoted template
  OHeredoc,  // <<EOT or <<-EOT, through the end of its line
  LBrace, RBrace, LBrack, RBrack, LParen, RParen,
  TildeRBrace,  // ~} closing an interpolation or directive with a strip marker
  Comma, Dot, Ellipsis, Question, Colon, FatArrow,
  Equal, EqualEqual, NotEqual, Less, LessEqual, Greater, GreaterEqual,
  And, Or, Bang, Plus, Minus, Star, Slash, Percent,
  Invalid,  // a lexical error; the lexer has already reported it
};

struct Token {
  Tok type = Tok::Eof;
  Span span;
};

// What ended a run of template literal text.
enum class LiteralEnd : uint8_t {
  Interp,      // ${ or ${~ (not consumed)
  Directive,   // %{ or %{~ (not consumed)
  Close,       // the closing quote, or the heredoc's closing marker line (not consumed)
  LineEnd,     // heredocs: the literal includes its newline and the line goes on
  Eof,         // the file ended inside the template (not reported: the parser knows the opener)
  Error,       // a newline inside quotes; reported, the lexer stopped before the newline
};

struct LiteralText {
  Span span;               // the raw source text of the literal
  std::string_view value;  // decoded: a view into the source, or into `decoded` storage
  LiteralEnd end = LiteralEnd::Close;
};

class Arena;

class Lexer {
 public:
  Lexer(std::string_view text, uint32_t start, Arena& arena, Diagnostics& diags,
        const std::shared_ptr<const SourceFile>& file);

  Token next();
  uint32_t position() const { return pos_; }
  void reset(uint32_t pos) { pos_ = pos; }
  std::string_view text() const { return text_; }
  std::string_view slice(Span s) const { return text_.substr(s.begin, s.end - s.begin); }

  // Literal text inside "..." up to `${`, `%{` or the closing quote. A
  // newline or the end of the file is an error ("Invalid multi-line string").
  LiteralText scan_quoted_literal();
  // Literal text of a heredoc's body: one line at most (with its newline),
  // or up to `${`/`%{`. `marker` is the closing marker's name.
  LiteralText scan_heredoc_literal(std::string_view marker);
  // Consumes the heredoc's closing marker (after scan_heredoc_literal
  // returned Close) and returns the marker's span.
  Span consume_heredoc_close(std::string_view marker);
  // Consumes `${`, `%{` (and a `~` strip marker); true when there was a `~`.
  bool consume_template_opener();
  // Reads a run of decimal digits (legacy index `list.0`); empty if none.
  Span scan_digits();

  // Skips the rest of a quoted string without reporting anything (recovery).
  void skip_quoted_rest();
  // Skips a heredoc body through its closing marker (recovery).
  void skip_heredoc_rest(std::string_view marker);

  void error(Span span, std::string summary, std::string detail);

  // Brackets lexed and not yet closed: all kinds, and braces alone ({ and
  // template openers). The parser uses them to skip a broken item without
  // losing its place.
  struct Depth {
    int all = 0;
    int braces = 0;
  };
  Depth bracket_depth() const { return depth_; }
  void set_bracket_depth(Depth depth) { depth_ = depth; }
  // While quiet, lexical errors are not reported (skipping broken input).
  void set_quiet(bool quiet) { quiet_ = quiet; }
  // True once a comment, string or heredoc ran to the end of the file: the
  // blocks left open then are a consequence, not a further error.
  bool ran_off_end() const { return ran_off_end_; }

 private:
  Token punctuation(uint32_t start);
  Token number(uint32_t start);
  Token identifier(uint32_t start);
  Token heredoc_opener(uint32_t start);
  Token invalid_character(uint32_t start);
  bool skip_block_comment(uint32_t start);
  void skip_line_comment();
  bool at_heredoc_close(uint32_t line_start, std::string_view marker, uint32_t* end) const;
  // Decodes a literal that holds escapes into the arena.
  std::string_view decode(Span raw, bool backslash_escapes);
  // Checks the escape sequence at pos_ (a backslash) and steps over it.
  void take_escape();
  // Validates one UTF-8 sequence at pos_; reports and returns false if bad.
  bool take_utf8();

  std::string_view text_;
  uint32_t pos_;
  Depth depth_;
  bool quiet_ = false;
  bool ran_off_end_ = false;
  Arena& arena_;
  Diagnostics& diags_;
  const std::shared_ptr<const SourceFile>& file_;
};

// Length of the valid UTF-8 sequence at the start of `s`, or 0 if invalid.
uint32_t utf8_sequence_length(std::string_view s);
// Identifier characters: ASCII letters, digits, `_`, `-`, and any non-ASCII.
bool is_ident_start(unsigned char c);
bool is_ident_continue(unsigned char c);

}  // namespace hcl
