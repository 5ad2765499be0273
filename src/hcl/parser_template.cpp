// Parsing templates (quoted strings and heredocs). A template is first read
// as a flat run of pieces -- literal text, interpolations, directive
// keywords -- so that strip markers and heredoc indentation removal work on
// neighbouring pieces exactly as HCL specifies; the pieces are then nested
// into %{ if } and %{ for } directives.
#include <algorithm>

#include "hcl/parser_impl.h"

namespace hcl {

namespace {

// Byte length of the Unicode space character starting at s[i], or 0. The
// set is Unicode's White_Space property, as HCL's strip markers use.
size_t space_at(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
  if (c < 0xC2 || i + 1 >= s.size()) return 0;
  unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if (c == 0xC2) return c1 == 0x85 || c1 == 0xA0 ? 2 : 0;
  if (i + 2 >= s.size()) return 0;
  unsigned char c2 = static_cast<unsigned char>(s[i + 2]);
  if (c == 0xE1) return c1 == 0x9A && c2 == 0x80 ? 3 : 0;
  if (c == 0xE3) return c1 == 0x80 && c2 == 0x80 ? 3 : 0;
  if (c != 0xE2) return 0;
  if (c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) return 3;
  return c1 == 0x81 && c2 == 0x9F ? 3 : 0;
}

// Leading space characters of `s`: how many, and how many bytes.
struct Leading {
  size_t chars = 0;
  size_t bytes = 0;
};
Leading leading_space(std::string_view s, size_t max_chars = SIZE_MAX) {
  Leading l;
  while (l.bytes < s.size() && l.chars < max_chars) {
    size_t n = space_at(s, l.bytes);
    if (n == 0) break;
    l.bytes += n;
    ++l.chars;
  }
  return l;
}

std::string_view trim_left(std::string_view s) { return s.substr(leading_space(s).bytes); }

std::string_view trim_right(std::string_view s) {
  for (;;) {
    size_t n = 0;
    for (size_t len = 1; len <= 3 && len <= s.size() && n == 0; ++len)
      if (space_at(s, s.size() - len) == len) n = len;
    if (n == 0) return s;
    s.remove_suffix(n);
  }
}

bool ends_with_newline(std::string_view s) { return !s.empty() && s.back() == '\n'; }

std::string_view marker_of(std::string_view opener) {
  size_t start = opener[2] == '-' ? 3 : 2;
  return opener.substr(start, opener.find_first_of("\r\n") - start);
}

}  // namespace

Expr* Parser::parse_quoted_template(Token open) {
  size_t start = pieces_.size();
  uint32_t end = 0;
  Expr* e = nullptr;
  Lexer::Depth depth = lex_.bracket_depth();
  if (scan_template_sequence(open, {}, start, &end)) {
    e = build_template(start, {open.span.begin, end}, false);
  } else {
    has_ahead_ = false;
    lex_.skip_quoted_rest();
    lex_.set_bracket_depth(depth);
  }
  pieces_.resize(start);
  return e;
}

Expr* Parser::parse_heredoc(Token open) {
  std::string_view opener = text(open.span);
  std::string_view marker = marker_of(opener);
  size_t start = pieces_.size();
  uint32_t end = 0;
  Expr* e = nullptr;
  Lexer::Depth depth = lex_.bracket_depth();
  if (scan_template_sequence(open, marker, start, &end)) {
    if (opener[2] == '-') flush_heredoc_indentation(start);
    e = build_template(start, {open.span.begin, end}, true);
  } else {
    has_ahead_ = false;
    lex_.skip_heredoc_rest(marker);
    lex_.set_bracket_depth(depth);
  }
  pieces_.resize(start);
  return e;
}

// Reads pieces up to the closing quote (no marker) or heredoc marker.
bool Parser::scan_template_sequence(Token open, std::string_view marker, size_t pieces_start, uint32_t* end) {
  bool heredoc = !marker.empty();
  for (;;) {
    LiteralText lit = heredoc ? lex_.scan_heredoc_literal(marker) : lex_.scan_quoted_literal();
    push_literal(pieces_start, lit);
    switch (lit.end) {
      case LiteralEnd::LineEnd:
        continue;
      case LiteralEnd::Close:
        if (heredoc) {
          *end = lex_.consume_heredoc_close(marker).end;
        } else {
          lex_.reset(lit.span.end + 1);
          *end = lit.span.end + 1;
        }
        return true;
      case LiteralEnd::Interp:
        if (!parse_interpolation(pieces_start)) return false;
        continue;
      case LiteralEnd::Directive:
        if (!parse_directive(pieces_start)) return false;
        continue;
      case LiteralEnd::Eof:
        error(heredoc ? Span{open.span.begin, open.span.end - 1} : open.span, "Unterminated template string",
              heredoc ? std::string("No line holding only \"") + std::string(marker) +
                            "\" closes the heredoc started here before the end of the file. Add that line."
                      : std::string("This string has no closing quote before the end of the file."));
        return false;
      case LiteralEnd::Error:
        return false;
    }
  }
}

void Parser::push_literal(size_t pieces_start, const LiteralText& lit) {
  if (lit.span.begin == lit.span.end) return;
  TemplatePiece piece;
  piece.kind = TemplatePiece::Literal;
  piece.span = lit.span;
  piece.text = lit.value;
  if (pieces_.size() > pieces_start && pieces_.back().strip_after) piece.text = trim_left(piece.text);
  pieces_.push_back(piece);
}

void Parser::push_piece(size_t pieces_start, const TemplatePiece& piece) {
  if (piece.strip_before && pieces_.size() > pieces_start && pieces_.back().kind == TemplatePiece::Literal)
    pieces_.back().text = trim_right(pieces_.back().text);
  pieces_.push_back(piece);
}

bool Parser::close_template_sequence(TemplatePiece& piece, Span open) {
  Token close = peek();
  if (close.type == Tok::RBrace || close.type == Tok::TildeRBrace) {
    next();
    piece.strip_after = close.type == Tok::TildeRBrace;
    piece.span = {open.begin, close.span.end};
    return true;
  }
  if (close.type == Tok::Invalid) return false;
  bool interp = piece.kind == TemplatePiece::Interp;
  error(close.span, interp ? "Extra characters after interpolation expression" : "Extra characters in directive",
        std::string("Expected \"}\" to close the \"") + (interp ? "${" : "%{") + "\" opened at " +
            where(open.begin) + ", but found " + describe(close) +
            ". If this is meant for another language, such as a shell script, escape it by writing \"" +
            (interp ? "$${" : "%%{") + "\" instead.");
  return false;
}

bool Parser::parse_interpolation(size_t pieces_start) {
  Span open{lex_.position(), lex_.position() + 2};
  TemplatePiece piece;
  piece.kind = TemplatePiece::Interp;
  piece.strip_before = lex_.consume_template_opener();
  NewlineMode mode(*this, false);
  piece.expr = parse_expression();
  if (!piece.expr || !close_template_sequence(piece, open)) return false;
  push_piece(pieces_start, piece);
  return true;
}

bool Parser::parse_directive(size_t pieces_start) {
  Span open{lex_.position(), lex_.position() + 2};
  TemplatePiece piece;
  piece.strip_before = lex_.consume_template_opener();
  NewlineMode mode(*this, false);
  Token keyword = next();
  std::string_view word = keyword.type == Tok::Ident ? text(keyword.span) : std::string_view();
  if (word == "if") {
    piece.kind = TemplatePiece::If;
    if (!(piece.expr = parse_expression())) return false;
  } else if (word == "for") {
    piece.kind = TemplatePiece::For;
    Token first = next();
    Token second = first;
    if (first.type == Tok::Ident && peek().type == Tok::Comma) {
      next();
      second = next();
      piece.key_var = first.span;
    }
    Token in = next();
    if (first.type != Tok::Ident || second.type != Tok::Ident || in.type != Tok::Ident || text(in.span) != "in") {
      error(open, "Invalid 'for' directive", "A for directive is written %{ for item in list } or %{ for key, value in map }.");
      return false;
    }
    piece.value_var = second.span;
    if (!(piece.expr = parse_expression())) return false;
  } else if (word == "else" || word == "endif" || word == "endfor") {
    piece.kind = word == "else" ? TemplatePiece::Else : word == "endif" ? TemplatePiece::EndIf : TemplatePiece::EndFor;
  } else {
    if (keyword.type != Tok::Invalid)
      error(keyword.span, "Invalid template directive",
            "A template directive keyword (\"if\", \"else\", \"endif\", \"for\" or \"endfor\") is expected at the "
            "beginning of a %{ sequence. To write a literal \"%{\", escape it as \"%%{\".");
    return false;
  }
  if (!close_template_sequence(piece, open)) return false;
  push_piece(pieces_start, piece);
  return true;
}

// `<<-` heredocs: the smallest indentation of the lines (counted in
// characters, ignoring blank lines, and zero for a line that starts with an
// interpolation) is removed from every line. Lines start after a literal
// piece that ends with a newline.
void Parser::flush_heredoc_indentation(size_t pieces_start) {
  size_t min_spaces = SIZE_MAX;
  for (int pass = 0; pass < 2; ++pass) {
    bool line_start = true;
    for (size_t i = pieces_start; i < pieces_.size(); ++i) {
      TemplatePiece& p = pieces_[i];
      bool is_literal = p.kind == TemplatePiece::Literal;
      if (line_start) {
        Leading lead = is_literal ? leading_space(p.text) : Leading{};
        bool blank = is_literal && lead.bytes == p.text.size() && ends_with_newline(p.text);
        if (pass == 0 && !blank) min_spaces = std::min(min_spaces, lead.chars);
        if (pass == 1 && is_literal && !blank) {
          size_t bytes = leading_space(p.text, min_spaces).bytes;
          p.text.remove_prefix(bytes);
          p.span.begin += static_cast<uint32_t>(bytes);
        }
      }
      line_start = is_literal && ends_with_newline(p.text);
    }
    if (min_spaces == 0 || min_spaces == SIZE_MAX) return;
  }
}

Expr* Parser::make_literal_string(size_t first, size_t last, Span span) {
  size_t total = 0;
  bool contiguous = true;
  const char* expected = nullptr;
  for (size_t i = first; i < last; ++i) {
    std::string_view t = pieces_[i].text;
    if (t.empty()) continue;
    contiguous &= expected == nullptr || t.data() == expected;
    expected = t.data() + t.size();
    total += t.size();
  }
  auto* lit = make<LiteralExpr>(ExprKind::Literal, span);
  lit->literal = LiteralKind::String;
  if (total == 0) return lit;
  if (contiguous) {
    lit->string = source_.store({expected - total, total});
    return lit;
  }
  joined_.clear();
  for (size_t i = first; i < last; ++i) joined_.append(pieces_[i].text);
  lit->string = source_.store(joined_);
  return lit;
}

TemplateExpr* Parser::build_sequence(size_t* i, size_t end, Span span, bool heredoc,
                                     TemplatePiece::Kind* stopped_at) {
  size_t parts_start = exprs_.size();
  uint32_t begin = *i < end ? pieces_[*i].span.begin : span.end;
  uint32_t last = begin;
  if (!collect_parts(i, end, span, heredoc, stopped_at, &last)) return nullptr;
  return make_template(parts_start, {begin, last});
}

TemplateExpr* Parser::make_template(size_t parts_start, Span span) {
  auto* t = make<TemplateExpr>(ExprKind::Template, span);
  List<Expr*> parts = take_exprs(parts_start);
  t->part_data = parts.data;
  t->part_count = parts.size;
  return t;
}

// Pushes the parts of a sequence onto exprs_ up to the end of the pieces or
// an else/endif/endfor (reported in *stopped_at), merging runs of literal
// text into one Literal each.
bool Parser::collect_parts(size_t* i, size_t end, Span span, bool heredoc, TemplatePiece::Kind* stopped_at,
                           uint32_t* last) {
  size_t parts_start = exprs_.size();
  size_t run = SIZE_MAX;  // first piece of a run of literal pieces
  auto flush_run = [&] {
    if (run == SIZE_MAX) return;
    exprs_.push_back(make_literal_string(run, *i, {pieces_[run].span.begin, pieces_[*i - 1].span.end}));
    run = SIZE_MAX;
  };
  *stopped_at = TemplatePiece::Literal;  // the end of the pieces
  while (*i < end) {
    const TemplatePiece& p = pieces_[*i];
    if (p.kind == TemplatePiece::Literal) {
      if (run == SIZE_MAX) run = *i;
      *last = p.span.end;
      ++*i;
      continue;
    }
    flush_run();
    if (p.kind == TemplatePiece::Else || p.kind == TemplatePiece::EndIf || p.kind == TemplatePiece::EndFor) {
      *stopped_at = p.kind;
      break;
    }
    Expr* part = p.expr;
    *last = p.span.end;
    if (p.kind == TemplatePiece::Interp) {
      ++*i;
    } else if (!(part = build_directive(i, end, span, heredoc))) {
      exprs_.resize(parts_start);
      return false;
    } else {
      *last = part->span.end;
    }
    exprs_.push_back(part);
  }
  flush_run();
  return true;
}

Expr* Parser::build_directive(size_t* i, size_t end, Span span, bool heredoc) {
  const TemplatePiece open = pieces_[(*i)++];
  bool is_if = open.kind == TemplatePiece::If;
  const char* closer = is_if ? "endif" : "endfor";
  TemplatePiece::Kind stopped;
  TemplateExpr* body = build_sequence(i, end, span, heredoc, &stopped);
  if (!body) return nullptr;
  TemplateExpr* else_part = nullptr;
  if (is_if && stopped == TemplatePiece::Else) {
    ++*i;
    if (!(else_part = build_sequence(i, end, span, heredoc, &stopped))) return nullptr;
  }
  TemplatePiece::Kind wanted = is_if ? TemplatePiece::EndIf : TemplatePiece::EndFor;
  if (stopped != wanted) {
    bool at_end = stopped == TemplatePiece::Literal;
    Span at = at_end ? Span{span.end - 1, span.end} : pieces_[*i].span;
    error(at, at_end ? "Unexpected end of template" : "Unexpected directive",
          std::string("The %{ ") + (is_if ? "if" : "for") + " } directive at " + where(open.span.begin) +
              std::string(" is missing its corresponding %{ ") + closer + " } marker" + (at_end ? "." : " before this one."));
    return nullptr;
  }
  Span whole{open.span.begin, pieces_[(*i)++].span.end};
  if (is_if) {
    auto* e = make<TemplateIfExpr>(ExprKind::TemplateIf, whole);
    e->condition = open.expr;
    e->then_part = body;
    e->else_part = else_part;
    return e;
  }
  auto* e = make<TemplateForExpr>(ExprKind::TemplateFor, whole);
  e->key_var = open.key_var;
  e->value_var = open.value_var;
  e->collection = open.expr;
  e->body = body;
  return e;
}

// The template as the simplest node that means the same: a Literal when it
// has no interpolation or directive, a TemplateWrap for a lone "${x}".
Expr* Parser::build_template(size_t pieces_start, Span span, bool heredoc) {
  size_t i = pieces_start;
  size_t parts_start = exprs_.size();
  TemplatePiece::Kind stopped;
  uint32_t last = span.end;
  if (!collect_parts(&i, pieces_.size(), span, heredoc, &stopped, &last)) return nullptr;
  if (i < pieces_.size()) {
    exprs_.resize(parts_start);
    const TemplatePiece& stray = pieces_[i];
    const char* word = stray.kind == TemplatePiece::Else ? "else" : stray.kind == TemplatePiece::EndIf ? "endif" : "endfor";
    error(stray.span, std::string("Unexpected ") + word + " directive",
          std::string("This %{ ") + word + " } has no matching %{ " + (stray.kind == TemplatePiece::EndFor ? "for" : "if") +
              " } before it. Remove it, or write \"%%{\" for a literal \"%{\".");
    return nullptr;
  }
  size_t count = exprs_.size() - parts_start;
  if (count == 0) return make_literal_string(0, 0, span);
  Expr* only = count == 1 ? exprs_.back() : nullptr;
  if (only && only->kind == ExprKind::Literal) {
    exprs_.resize(parts_start);
    only->span = span;
    return only;
  }
  bool lone_interpolation = only && pieces_.size() - pieces_start == 1 && pieces_[pieces_start].kind == TemplatePiece::Interp;
  if (lone_interpolation && !heredoc) {
    exprs_.resize(parts_start);
    auto* wrap = make<TemplateWrapExpr>(ExprKind::TemplateWrap, span);
    wrap->inner = only;
    return wrap;
  }
  return make_template(parts_start, span);
}

}  // namespace hcl
