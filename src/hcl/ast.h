// The syntax tree of HCL's native syntax.
//
// Nodes live in an Arena owned by their File and are trivially destructible:
// names and literal strings are string_views into the source text, or into
// the arena when escapes had to be decoded. Nodes keep byte spans, not line
// and column, to stay small; SourceFile resolves a span to positions.
#pragma once

#include <cstdint>
#include <string_view>

#include "hcl/diagnostics.h"
#include "hcl/value.h"

namespace hcl {

// An arena-allocated array.
template <class T>
struct List {
  T* data = nullptr;
  uint32_t size = 0;
  T* begin() const { return data; }
  T* end() const { return data + size; }
  T& operator[](uint32_t i) const { return data[i]; }
  bool empty() const { return size == 0; }
};

enum class ExprKind : uint8_t {
  Literal,       // null, true, 1.5, or a literal part of a template
  Template,      // "a ${b} c", heredocs: parts joined into one string
  TemplateWrap,  // "${b}" alone: the value of b, not converted to string
  TemplateIf,    // %{ if c }...%{ else }...%{ endif } inside a template
  TemplateFor,   // %{ for k, v in c }...%{ endfor } inside a template
  Variable,      // a root name: var, local, event
  GetAttr,       // object.name
  Index,         // collection[key], and the legacy collection.0
  Splat,         // source.*.rest or source[*].rest
  SplatItem,     // the element a splat's `each` expression applies to
  Call,          // name(args...) and name(args, list...)
  Conditional,   // c ? a : b
  Binary,        // a + b, a && b, a == b ...
  Unary,         // -a, !a
  Tuple,         // [a, b]
  Object,        // {a = 1, "b" = 2, (k) = 3}
  For,           // [for ...] and {for ...}
  Parens,        // (a): kept so keys like (k) stay expressions
};

struct Expr {
  ExprKind kind;
  Span span;  // the whole expression's source
};

enum class LiteralKind : uint8_t { Null, Bool, Number, String };

// A quoted string or heredoc without interpolations or directives is a
// Literal string too (its span includes the quotes or the heredoc markers).
struct LiteralExpr : Expr {
  LiteralExpr() : string() {}

  LiteralKind literal = LiteralKind::Null;
  bool boolean = false;
  // Only the member `literal` names is meaningful; sharing the storage keeps
  // the most common node small.
  union {
    std::string_view string;  // decoded text (escapes applied)
    Number number;
  };
};

struct TemplateExpr : Expr {
  List<Expr*> parts;  // literal strings, interpolated expressions, directives
  bool heredoc;
};

struct TemplateWrapExpr : Expr {
  Expr* inner;
};

struct TemplateIfExpr : Expr {
  Expr* condition;
  TemplateExpr* then_part;
  TemplateExpr* else_part;  // nullptr without %{ else }
};

struct TemplateForExpr : Expr {
  std::string_view key_var;  // empty when only the value is named
  std::string_view value_var;
  Expr* collection;
  TemplateExpr* body;
};

struct VariableExpr : Expr {
  std::string_view name;
};

struct GetAttrExpr : Expr {
  Expr* object;
  std::string_view name;
  Span name_span;
};

struct IndexExpr : Expr {
  Expr* collection;
  Expr* key;
};

struct SplatExpr : Expr {
  Expr* source;
  Expr* each;  // applied to every element; refers to it through SplatItem
};

struct SplatItemExpr : Expr {};

struct CallExpr : Expr {
  std::string_view name;
  Span name_span;
  List<Expr*> args;
  bool expand_final;  // f(a, list...)
};

struct ConditionalExpr : Expr {
  Expr* condition;
  Expr* true_result;
  Expr* false_result;
};

enum class BinaryOp : uint8_t {
  Or, And,                                  // || &&
  Equal, NotEqual,                          // == !=
  Less, LessEqual, Greater, GreaterEqual,   // < <= > >=
  Add, Subtract,                            // + -
  Multiply, Divide, Modulo,                 // * / %
};
std::string_view op_text(BinaryOp op);

struct BinaryExpr : Expr {
  BinaryOp op;
  Expr* lhs;
  Expr* rhs;
};

enum class UnaryOp : uint8_t { Negate, Not };

struct UnaryExpr : Expr {
  UnaryOp op;
  Expr* operand;
};

struct TupleExpr : Expr {
  List<Expr*> items;
};

struct ObjectItem {
  // A bare identifier key (`name = 1`) is parsed as a Literal string with
  // bare_key set; `(expr) = 1` keeps a Parens node; `"k" = 1` is a Literal
  // string (or a template when it interpolates).
  Expr* key;
  Expr* value;
  bool bare_key;
};

struct ObjectExpr : Expr {
  List<ObjectItem> items;
};

struct ForExpr : Expr {
  std::string_view key_var;  // empty when only the value is named
  std::string_view value_var;
  Expr* collection;
  Expr* key_result;    // object form `{for ... : k => v}`; nullptr in tuple form
  Expr* value_result;
  Expr* condition;     // `if ...`, or nullptr
  bool group;          // `v...` groups values with equal keys (object form)
};

struct ParensExpr : Expr {
  Expr* inner;
};

// Checked downcast: as<CallExpr>(e) when e->kind == ExprKind::Call.
template <class T>
const T& as(const Expr& e) {
  return static_cast<const T&>(e);
}

struct Body;

struct Attribute {
  std::string_view name;
  Span name_span;
  Expr* expr;
  Span span;  // name through the end of the expression
};

struct Label {
  std::string_view value;  // decoded
  Span span;               // including quotes
};

struct Block {
  std::string_view type;
  Span type_span;
  List<Label> labels;
  Body* body;
  Span open_brace;
  Span close_brace;
  Span span;  // type through the closing brace
};

struct Body {
  List<Attribute> attributes;  // in source order
  List<Block> blocks;          // in source order
  Span span;

  // The attribute of that name, or nullptr.
  const Attribute* attribute(std::string_view name) const;
};

}  // namespace hcl
