// The syntax tree of HCL's native syntax.
//
// Nodes live in an Arena owned by their File and are trivially destructible.
// They are laid out for size: a 2 MB configuration makes some 300,000 of
// them. Names are not stored: a name is its span of the source
// (SourceFile::slice). Literal strings are Texts, resolved by
// SourceFile::text(). Lists are a count and a pointer, side by side in the
// node so that the count fills padding; nodes keep byte spans, not line and
// column, which SourceFile resolves.
#pragma once

#include <cstdint>
#include <string_view>

#include "hcl/diagnostics.h"
#include "hcl/value.h"

namespace hcl {

// An arena-allocated array, as the nodes hand it out.
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
  // Declaring a constructor makes Expr a non-POD class, whose tail padding
  // the compiler may reuse: a subclass's first one-byte fields go into the
  // three bytes after `kind` (LiteralExpr is 20 bytes instead of 24).
  Expr() {}

  Span span;  // the whole expression's source
  ExprKind kind = ExprKind::Literal;
};

enum class LiteralKind : uint8_t { Null, Bool, Number, String };

// A quoted string or heredoc without interpolations or directives is a
// Literal string too (its span includes the quotes or the heredoc markers).
struct LiteralExpr : Expr {
  LiteralKind literal = LiteralKind::Null;
  bool boolean = false;
  bool integer = false;  // a Number: which of int64 or double number_bits holds
  // Only what `literal` names is meaningful. A number is kept as raw bits so
  // that the node needs no 8-byte alignment.
  union {
    Text string = {};  // decoded (escapes applied)
    uint32_t number_bits[2];
  };

  Number number() const;
  void set_number(const Number& n);
};

struct TemplateExpr : Expr {
  uint32_t part_count = 0;
  Expr** part_data = nullptr;  // literal strings, interpolated expressions, directives
  List<Expr*> parts() const { return {part_data, part_count}; }
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
  Span key_var;  // empty when only the value is named
  Span value_var;
  Expr* collection;
  TemplateExpr* body;
};

// Its name is its span.
struct VariableExpr : Expr {};

struct GetAttrExpr : Expr {
  uint32_t name_begin;  // the name runs to the end of the span
  Expr* object;
  Span name_span() const { return {name_begin, span.end}; }
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
  bool expand_final;  // f(a, list...)
  uint32_t name_size;  // the name starts the span
  Expr** arg_data;
  uint32_t arg_count;
  Span name_span() const { return {span.begin, span.begin + name_size}; }
  List<Expr*> args() const { return {arg_data, arg_count}; }
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
  uint32_t item_count = 0;
  Expr** item_data = nullptr;
  List<Expr*> items() const { return {item_data, item_count}; }
};

struct ObjectItem {
  // A bare identifier key (`name = 1`) is parsed as a Literal string;
  // `(expr) = 1` keeps a Parens node; `"k" = 1` is a Literal string (or a
  // template when it interpolates).
  Expr* key;
  Expr* value;

  // Only a bare key's string starts where its span does (a quoted one's
  // starts after the quote).
  bool bare_key() const {
    return key->kind == ExprKind::Literal && static_cast<const LiteralExpr*>(key)->literal == LiteralKind::String &&
           static_cast<const LiteralExpr*>(key)->string.offset == key->span.begin;
  }
};

struct ObjectExpr : Expr {
  uint32_t item_count = 0;
  ObjectItem* item_data = nullptr;
  List<ObjectItem> items() const { return {item_data, item_count}; }
};

struct ForExpr : Expr {
  bool group;          // `v...` groups values with equal keys (object form)
  Span key_var;        // empty when only the value is named
  Span value_var;
  Expr* collection;
  Expr* key_result;    // object form `{for ... : k => v}`; nullptr in tuple form
  Expr* value_result;
  Expr* condition;     // `if ...`, or nullptr
};

struct ParensExpr : Expr {
  Expr* inner;
};

// Checked downcast: as<CallExpr>(e) when e->kind == ExprKind::Call.
template <class T>
const T& as(const Expr& e) {
  return static_cast<const T&>(e);
}

struct Attribute {
  Span name_span;
  Expr* expr;
  Span span() const { return {name_span.begin, expr->span.end}; }  // name through the end of the expression
};

struct Label {
  Text value;  // decoded
  Span span;   // including quotes
};

struct Block;

struct Body {
  Attribute* attribute_data = nullptr;
  Block* block_data = nullptr;
  uint32_t attribute_count = 0;
  uint32_t block_count = 0;

  List<Attribute> attributes() const { return {attribute_data, attribute_count}; }  // in source order
  List<Block> blocks() const { return {block_data, block_count}; }                  // in source order
  // The attribute named `name` in `source`, or nullptr.
  const Attribute* attribute(const SourceFile& source, std::string_view name) const;
};

struct Block {
  Span type_span;  // the type is the source there
  uint32_t label_count = 0;
  Label* label_data = nullptr;
  Body body;
  List<Label> labels() const { return {label_data, label_count}; }
};

}  // namespace hcl
