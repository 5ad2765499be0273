// The parser's internals, shared by parser.cpp (bodies), parser_expr.cpp
// (expressions) and parser_template.cpp (templates). Not a public header.
//
// A recursive-descent parser with one token of lookahead. Lists under
// construction live in scratch vectors used as stacks (a nested construct
// pushes after its parent's items and truncates back when done), so a parse
// allocates on the heap only while those vectors grow; finished lists are
// copied into the arena.
#pragma once

#include <memory>
#include <vector>

#include "hcl/arena.h"
#include "hcl/ast.h"
#include "hcl/lexer.h"

namespace hcl {

// One piece of a template before its directives are nested: literal text,
// an interpolation, or a directive keyword.
struct TemplatePiece {
  enum Kind : uint8_t { Literal, Interp, If, Else, EndIf, For, EndFor };
  Kind kind = Literal;
  bool strip_before = false;  // `${~` / `%{~`
  bool strip_after = false;   // `~}`
  Span span;
  std::string_view text;      // Literal: its decoded value
  Expr* expr = nullptr;       // Interp: the expression; If: condition; For: collection
  Span key_var;               // For
  Span value_var;             // For
};

class Parser {
 public:
  // Nesting deeper than this is an error, not a stack overflow. Each level
  // costs a handful of frames (about 0.5 KB, 3 KB under AddressSanitizer);
  // the parser also stops early when the thread's stack runs low, so small
  // thread stacks get the same clean error (see docs/hcl-engine.md).
  static constexpr int kMaxDepth = 2500;

  // Strings of the tree that are not in the source go to `source`'s decoded
  // strings, so the parser needs it mutable.
  Parser(const std::shared_ptr<SourceFile>& source, Arena& arena, Diagnostics& diags, uint32_t start);

  const Body* parse_file_body();
  const Expr* parse_standalone_expression();

  // Expressions (parser_expr.cpp); each returns nullptr after reporting.
  Expr* parse_expression();

 private:
  friend class DepthGuard;
  friend class NewlineMode;

  // Tokens.
  Token peek();
  Token next();
  bool newlines_significant() const { return newlines_; }
  std::string_view text(Span s) const { return lex_.slice(s); }
  std::string describe(const Token& t) const;
  void error(Span span, std::string summary, std::string detail);
  std::string where(uint32_t byte) const;  // "line:col"

  // Bodies (parser.cpp).
  Body parse_body(Tok end, Span open_brace);
  void parse_body_item();
  void parse_attribute(Token name);
  void parse_block(Token type);
  bool parse_labels(size_t labels_start);
  Body parse_block_body(Span open_brace, bool* one_line_error);
  Body parse_one_line_body(bool* error);
  bool attribute_ends_here(Token name);
  void remove_duplicate_attributes(size_t attrs_start);
  void skip_token();
  void recover_after_body_item();
  Lexer::Depth depth_before_ahead() const;
  void skip_to_block_end();
  Body finish_body(size_t attrs_start, size_t blocks_start);

  // Expressions (parser_expr.cpp).
  Expr* parse_binary(int min_precedence);
  Expr* parse_unary();
  Expr* parse_postfix();
  Expr* parse_traversal_step(Expr* subject, bool* done);
  Expr* parse_splat(Expr* source, Token first);
  Expr* parse_index(Expr* subject, Token open);
  bool star_follows(uint32_t pos) const;
  Expr* parse_term();
  Expr* parse_identifier_term(Token name);
  Expr* parse_number(Token t);
  Expr* parse_call(Token name);
  Expr* parse_parens(Token open);
  Expr* parse_tuple(Token open);
  Expr* parse_object(Token open);
  bool parse_object_item();
  Expr* parse_for(Token open);
  bool expect_for_keyword(std::string_view keyword, Token open);
  List<Expr*> take_exprs(size_t start);

  // Templates (parser_template.cpp).
  Expr* parse_quoted_template(Token open);
  Expr* parse_heredoc(Token open);
  bool scan_template_sequence(Token open, std::string_view marker, size_t pieces_start, uint32_t* end);
  bool parse_interpolation(size_t pieces_start);
  bool parse_directive(size_t pieces_start);
  bool close_template_sequence(TemplatePiece& piece, Span open);
  void push_literal(size_t pieces_start, const LiteralText& lit);
  void push_piece(size_t pieces_start, const TemplatePiece& piece);
  void flush_heredoc_indentation(size_t pieces_start);
  Expr* build_template(size_t pieces_start, Span span, bool heredoc);
  TemplateExpr* build_sequence(size_t* i, size_t end, Span span, bool heredoc, TemplatePiece::Kind* stopped_at);
  bool collect_parts(size_t* i, size_t end, Span span, bool heredoc, TemplatePiece::Kind* stopped_at, uint32_t* last);
  TemplateExpr* make_template(size_t parts_start, Span span);
  Expr* build_directive(size_t* i, size_t end, Span span, bool heredoc);
  Expr* make_literal_string(size_t first, size_t last, Span span);

  template <class T>
  T* make(ExprKind kind, Span span) {
    T* node = arena_.make<T>();
    node->kind = kind;
    node->span = span;
    return node;
  }

  SourceFile& source_;
  std::shared_ptr<const SourceFile> file_;  // for diagnostics
  Arena& arena_;
  Diagnostics& diags_;
  Lexer lex_;
  uintptr_t stack_floor_;
  Token ahead_;
  bool has_ahead_ = false;
  bool newlines_ = true;
  int depth_ = 0;
  bool reported_depth_ = false;
  Lexer::Depth item_depth_;  // bracket depth where the current body item began

  std::vector<Attribute> attrs_;
  std::vector<Block> blocks_;
  std::vector<Label> labels_;
  std::vector<Expr*> exprs_;
  std::vector<ObjectItem> items_;
  std::vector<TemplatePiece> pieces_;
  std::string joined_;  // a literal's text gathered from pieces that were not adjacent
};

// Counts one level of nesting for as long as it lives; false when too deep.
class DepthGuard {
 public:
  explicit DepthGuard(Parser& p, Span at);
  ~DepthGuard() { --parser_.depth_; }
  explicit operator bool() const { return ok_; }

 private:
  Parser& parser_;
  bool ok_;
};

// Sets whether newlines are tokens (in bodies and objects) or ignored
// (inside brackets, parentheses and interpolations), restoring on exit.
class NewlineMode {
 public:
  NewlineMode(Parser& p, bool significant) : parser_(p), saved_(p.newlines_) { p.newlines_ = significant; }
  ~NewlineMode() { parser_.newlines_ = saved_; }

 private:
  Parser& parser_;
  bool saved_;
};

}  // namespace hcl
