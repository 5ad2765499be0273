// Parsing bodies: attributes, blocks, one-line blocks, and recovery after a
// broken body item so that later independent errors are reported too.
#include "hcl/parser.h"

#include <pthread.h>

#include <algorithm>

#include "hcl/parser_impl.h"

namespace hcl {

File::File() = default;
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

namespace {

uint32_t after_bom(std::string_view text) { return text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; }

// The lowest address this thread's stack may grow to while parsing, with a
// reserve left for reporting the error; 0 when the stack is unknown.
uintptr_t stack_floor() {
  constexpr uintptr_t kReserve = 256 * 1024;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* low = nullptr;
  size_t size = 0;
  int rc = pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  return rc == 0 ? reinterpret_cast<uintptr_t>(low) + kReserve : 0;
}

// Once per thread: reading the bounds of the main thread's stack parses
// /proc/self/maps, which would cost more than parsing a small file.
uintptr_t thread_stack_floor() {
  thread_local const uintptr_t floor = stack_floor();
  return floor;
}

bool stack_left(uintptr_t floor) {
  return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) > floor;
}

}  // namespace

DepthGuard::DepthGuard(Parser& p, Span at)
    : parser_(p), ok_(++p.depth_ <= Parser::kMaxDepth && stack_left(p.stack_floor_)) {
  if (ok_ || parser_.reported_depth_) return;
  parser_.reported_depth_ = true;
  parser_.error(at, "Configuration too deeply nested",
                std::string("Brackets, blocks and expressions here are nested ") + std::to_string(parser_.depth_) +
                    " levels deep, which is too deeply nested to parse (the limit is " +
                    std::to_string(Parser::kMaxDepth) + ", less on a small stack). Flatten the structure.");
}

Parser::Parser(const std::shared_ptr<SourceFile>& source, Arena& arena, Diagnostics& diags, uint32_t start)
    : source_(*source), file_(source), arena_(arena), diags_(diags), lex_(source->text(), start, arena, diags, file_),
      stack_floor_(thread_stack_floor()) {}

Token Parser::peek() {
  for (;;) {
    if (!has_ahead_) {
      ahead_ = lex_.next();
      has_ahead_ = true;
    }
    if (ahead_.type != Tok::Newline || newlines_) return ahead_;
    has_ahead_ = false;
  }
}

Token Parser::next() {
  Token t = peek();
  has_ahead_ = false;
  return t;
}

void Parser::error(Span span, std::string summary, std::string detail) {
  diags_.error(file_, span, std::move(summary), std::move(detail));
}

std::string Parser::where(uint32_t byte) const {
  Pos p = file_->position(byte);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

std::string Parser::describe(const Token& t) const {
  switch (t.type) {
    case Tok::Eof: return "the end of the file";
    case Tok::Newline: return "the end of the line";
    case Tok::OQuote: return "a quoted string";
    case Tok::OHeredoc: return "a heredoc";
    default: break;
  }
  std::string out = t.type == Tok::Ident ? "the name \"" : t.type == Tok::Number ? "the number " : "\"";
  out.append(text(t.span));
  if (t.type != Tok::Number) out += '"';
  return out;
}

const Body* Parser::parse_file_body() { return arena_.make<Body>(parse_body(Tok::Eof, {})); }

const Expr* Parser::parse_standalone_expression() {
  NewlineMode mode(*this, false);
  Expr* e = parse_expression();
  if (!e) return nullptr;
  Token t = peek();
  if (t.type != Tok::Eof) {
    error(t.span, "Extra characters after expression",
          std::string("The expression ends before ") + describe(t) + "; remove what follows it.");
    return nullptr;
  }
  return e;
}

Body Parser::finish_body(size_t attrs_start, size_t blocks_start) {
  remove_duplicate_attributes(attrs_start);
  Body body;
  body.attribute_data = arena_.copy_array(attrs_.data() + attrs_start, attrs_.size() - attrs_start);
  body.attribute_count = static_cast<uint32_t>(attrs_.size() - attrs_start);
  body.block_data = arena_.copy_array(blocks_.data() + blocks_start, blocks_.size() - blocks_start);
  body.block_count = static_cast<uint32_t>(blocks_.size() - blocks_start);
  attrs_.resize(attrs_start);
  blocks_.resize(blocks_start);
  return body;
}

Body Parser::parse_body(Tok end, Span open_brace) {
  NewlineMode mode(*this, true);
  Lexer::Depth parent_item_depth = item_depth_;
  size_t attrs_start = attrs_.size();
  size_t blocks_start = blocks_.size();
  for (;;) {
    Token t = peek();
    item_depth_ = depth_before_ahead();
    if (t.type == Tok::Newline) {
      next();
    } else if (t.type == Tok::Eof) {
      if (end == Tok::RBrace && !lex_.ran_off_end())
        error(open_brace, "Unclosed configuration block",
              "There is no closing brace for the block opened here before the end of the file. Add the missing "
              "\"}\"; braces may also be mismatched elsewhere in this block.");
      break;
    } else if (t.type == Tok::RBrace) {
      if (end == Tok::RBrace) break;
      next();
      error(t.span, "Argument or block definition required",
            "This closing brace has no matching opening brace. Remove it, or check the braces above it.");
    } else if (t.type == Tok::Ident) {
      parse_body_item();
    } else {
      if (t.type != Tok::Invalid)
        error(t.span, "Argument or block definition required",
              "An argument (name = value) or a block (name \"label\" { ... }) is expected here, but found " +
                  describe(t) + ".");
      recover_after_body_item();
    }
  }
  item_depth_ = parent_item_depth;
  return finish_body(attrs_start, blocks_start);
}

Lexer::Depth Parser::depth_before_ahead() const {
  Lexer::Depth d = lex_.bracket_depth();
  if (!has_ahead_) return d;
  switch (ahead_.type) {
    case Tok::LBrace: --d.all, --d.braces; break;
    case Tok::LBrack: case Tok::LParen: --d.all; break;
    case Tok::RBrace: case Tok::TildeRBrace: ++d.all, ++d.braces; break;
    case Tok::RBrack: case Tok::RParen: ++d.all; break;
    default: break;
  }
  return d;
}

void Parser::parse_body_item() {
  Token name = next();
  Token t = peek();
  switch (t.type) {
    case Tok::Equal:
      parse_attribute(name);
      return;
    case Tok::OQuote:
    case Tok::Ident:
    case Tok::LBrace:
      parse_block(name);
      return;
    default:
      break;
  }
  std::string detail = "An argument or block definition is required here. To set an argument, use the equals sign "
                       "\"=\" to introduce the argument value.";
  if (t.type == Tok::Dot)
    detail = "Argument names cannot contain dots. To set a key inside a map, assign an object: " +
             std::string(text(name.span)) + " = { key = value }.";
  else if (t.type == Tok::EqualEqual)
    detail = "\"==\" compares values; use a single \"=\" to set the argument " + std::string(text(name.span)) + ".";
  error(name.span, "Argument or block definition required", detail);
  recover_after_body_item();
}

// Reports every argument set twice in one body (naming both places) and
// keeps the first. Small bodies compare pairwise; big ones sort by name.
void Parser::remove_duplicate_attributes(size_t attrs_start) {
  size_t n = attrs_.size() - attrs_start;
  if (n < 2) return;
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return text(attrs_[attrs_start + a].name_span) < text(attrs_[attrs_start + b].name_span);
  });
  std::vector<bool> duplicate(n, false);
  bool any = false;
  for (size_t k = 1; k < n; ++k) {
    const Attribute& first = attrs_[attrs_start + order[k - 1]];
    const Attribute& again = attrs_[attrs_start + order[k]];
    if (text(first.name_span) != text(again.name_span)) continue;
    duplicate[order[k]] = any = true;
    order[k] = order[k - 1];  // later repeats still name the first definition
    error(again.name_span, "Attribute redefined",
          "The argument \"" + std::string(text(again.name_span)) + "\" was already set at " + file_->name() + ":" +
              where(first.name_span.begin) + ". Each argument may be set only once; remove one of them.");
  }
  if (!any) return;
  size_t out = attrs_start;
  for (size_t i = 0; i < n; ++i)
    if (!duplicate[i]) attrs_[out++] = attrs_[attrs_start + i];
  attrs_.resize(out);
}

bool Parser::attribute_ends_here(Token name) {
  Token end = peek();
  if (end.type == Tok::Newline || end.type == Tok::Eof) {
    if (end.type == Tok::Newline) next();
    return true;
  }
  if (end.type == Tok::Comma)
    error(end.span, "Unexpected comma after argument",
          std::string("Arguments are separated by newlines, not commas: put ") + std::string(text(name.span)) +
              " and the next argument on lines of their own.");
  else if (end.type != Tok::Invalid)
    error(end.span, "Missing newline after argument",
          std::string("An argument definition must end with a newline, but found ") + describe(end) + " after the value of \"" +
              std::string(text(name.span)) + "\".");
  recover_after_body_item();
  return false;
}

void Parser::parse_attribute(Token name) {
  next();  // =
  Expr* expr = parse_expression();
  if (!expr) {
    recover_after_body_item();
    return;
  }
  if (attribute_ends_here(name)) attrs_.push_back({name.span, expr});
}

bool Parser::parse_labels(size_t labels_start) {
  for (;;) {
    Token t = peek();
    if (t.type == Tok::Ident) {
      next();
      labels_.push_back({source_.store(text(t.span)), t.span});
      continue;
    }
    if (t.type != Tok::OQuote) return true;
    next();
    LiteralText lit = lex_.scan_quoted_literal();
    if (lit.end == LiteralEnd::Close) {
      lex_.reset(lit.span.end + 1);
      labels_.push_back({source_.store(lit.value), {t.span.begin, lit.span.end + 1}});
      continue;
    }
    if (lit.end == LiteralEnd::Interp || lit.end == LiteralEnd::Directive) {
      lex_.skip_quoted_rest();
      error({lit.span.end, lit.span.end + 2}, "Invalid string literal",
            "Block labels must be plain strings: template sequences (\"${\" and \"%{\") are not allowed here. To "
            "include a literal \"${\", write \"$${\".");
    } else if (lit.end == LiteralEnd::Eof)
      error(t.span, "Unterminated string", "This block label has no closing quote before the end of the file.");
    labels_.resize(labels_start);
    return false;
  }
}

void Parser::parse_block(Token type) {
  DepthGuard guard(*this, type.span);
  size_t labels_start = labels_.size();
  if (!guard || !parse_labels(labels_start)) {
    recover_after_body_item();
    return;
  }
  Token open = peek();
  if (open.type != Tok::LBrace) {
    if (open.type != Tok::Invalid)
      error(open.span, "Invalid block definition",
            "A block definition is a type, then labels (quoted strings or names), then \"{\"; found " +
                describe(open) + " instead.");
    labels_.resize(labels_start);
    recover_after_body_item();
    return;
  }
  next();
  bool one_line_error = false;
  Block block;
  block.body = parse_block_body(open.span, &one_line_error);
  block.type_span = type.span;
  block.label_data = arena_.copy_array(labels_.data() + labels_start, labels_.size() - labels_start);
  block.label_count = static_cast<uint32_t>(labels_.size() - labels_start);
  labels_.resize(labels_start);
  blocks_.push_back(block);
  Token close = peek();
  if (close.type != Tok::RBrace) return;  // unclosed: already reported
  next();
  Token end = peek();
  if (end.type == Tok::Newline) {
    next();
  } else if (end.type != Tok::Eof && !one_line_error) {
    if (end.type != Tok::Invalid)
      error(end.span, "Missing newline after block definition",
            std::string("A block definition must end with a newline; put ") + describe(end) + " on the next line.");
    recover_after_body_item();
  }
}

Body Parser::parse_block_body(Span open_brace, bool* one_line_error) {
  Token first = peek();
  if (first.type == Tok::Newline || first.type == Tok::Eof) return parse_body(Tok::RBrace, open_brace);
  return parse_one_line_body(one_line_error);
}

// `name "label" { arg = value }`: at most one argument, all on one line.
Body Parser::parse_one_line_body(bool* failed) {
  NewlineMode mode(*this, true);
  size_t attrs_start = attrs_.size();
  size_t blocks_start = blocks_.size();
  Token name = peek();
  auto fail = [&](Span at, std::string detail) {
    error(at, "Invalid single-argument block definition", std::move(detail));
    *failed = true;
    skip_to_block_end();
  };
  if (name.type == Tok::Ident) {
    next();
    Token eq = peek();
    if (eq.type != Tok::Equal) {
      fail(name.span,
           "A single-line block definition can hold only one argument (name = value). To define a nested block, "
           "place it on a line of its own within its parent block.");
    } else {
      next();
      Expr* expr = parse_expression();
      Token end = peek();
      if (!expr) {
        *failed = true;
        skip_to_block_end();
      } else if (end.type == Tok::RBrace) {
        attrs_.push_back({name.span, expr});
      } else if (end.type == Tok::Newline) {
        fail(end.span,
             "The closing brace of a single-line block must be on the same line as its argument. Close the block "
             "on this line, or start the argument on a new line after the \"{\".");
      } else {
        fail(end.span,
             "A single-line block definition can hold only one argument. Put each argument on a line of its "
             "own.");
      }
    }
  } else if (name.type != Tok::RBrace) {
    if (name.type != Tok::Invalid)
      error(name.span, "Argument or block definition required",
            std::string("An argument (name = value) is expected inside the braces, but found ") + describe(name) + ".");
    *failed = true;
    skip_to_block_end();
  }
  return finish_body(attrs_start, blocks_start);
}

// Consumes one token; a quoted string or heredoc is skipped whole so that
// its contents cannot look like structure.
void Parser::skip_token() {
  Token t = next();
  if (t.type == Tok::OQuote) {
    lex_.skip_quoted_rest();
  } else if (t.type == Tok::OHeredoc) {
    std::string_view opener = text(t.span);
    size_t name_start = opener[2] == '-' ? 3 : 2;
    size_t name_end = opener.find_first_of("\r\n");
    lex_.skip_heredoc_rest(opener.substr(name_start, name_end - name_start));
  }
}

// Skips tokens up to the end of the broken item: a newline (or a `}` that
// closes the enclosing body) outside any bracket opened since the error.
void Parser::recover_after_body_item() {
  NewlineMode mode(*this, true);
  lex_.set_quiet(true);
  // Brackets the broken item opened and left open are skipped to their
  // ends, except that a "}" closing more than the item opened is taken to
  // close the enclosing body (a "]" or ")" was probably forgotten).
  Lexer::Depth now = depth_before_ahead();
  int nesting = std::max(0, now.all - item_depth_.all);
  int braces = std::max(0, now.braces - item_depth_.braces);
  for (;;) {
    Token t = peek();
    if (t.type == Tok::Eof) break;
    if (braces == 0 && t.type == Tok::RBrace) break;
    skip_token();
    if (t.type == Tok::Newline && nesting == 0) break;
    if (t.type == Tok::LBrace || t.type == Tok::LBrack || t.type == Tok::LParen) ++nesting;
    if ((t.type == Tok::RBrace || t.type == Tok::RBrack || t.type == Tok::RParen) && nesting > 0) --nesting;
    braces += (t.type == Tok::LBrace) - (t.type == Tok::RBrace);
  }
  lex_.set_quiet(false);
}

// After a broken single-line block: everything up to its closing brace.
void Parser::skip_to_block_end() {
  NewlineMode mode(*this, true);
  lex_.set_quiet(true);
  int nesting = 0;
  for (;;) {
    Token t = peek();
    if (t.type == Tok::Eof || (t.type == Tok::RBrace && nesting == 0)) break;
    nesting += (t.type == Tok::LBrace) - (t.type == Tok::RBrace);
    skip_token();
  }
  lex_.set_quiet(false);
}

File parse(std::string name, std::string text, Diagnostics& diags) {
  File file;
  uint32_t start = after_bom(text);
  auto source = std::make_shared<SourceFile>(std::move(name), std::move(text));
  file.source = source;
  file.arena = std::make_unique<Arena>();
  Parser parser(source, *file.arena, diags, start);
  file.body = parser.parse_file_body();
  return file;
}

ParsedExpression parse_expression(std::string name, std::string text, Diagnostics& diags) {
  ParsedExpression result;
  File& file = result.file;
  auto source = std::make_shared<SourceFile>(std::move(name), std::move(text));
  file.source = source;
  file.arena = std::make_unique<Arena>();
  Parser parser(source, *file.arena, diags, after_bom(source->text()));
  result.expr = parser.parse_standalone_expression();
  file.body = file.arena->make<Body>();
  return result;
}

}  // namespace hcl
