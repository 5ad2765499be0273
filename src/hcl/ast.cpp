#include "hcl/ast.h"

#include <cstring>

namespace hcl {

// The most common nodes; their sizes are most of a parse's memory.
static_assert(sizeof(LiteralExpr) == 20, "LiteralExpr's small fields fill Expr's tail padding");
static_assert(sizeof(Attribute) == 16 && sizeof(Block) == 48);

Number LiteralExpr::number() const {
  if (integer) {
    int64_t i;
    std::memcpy(&i, number_bits, sizeof i);
    return i;
  }
  double d;
  std::memcpy(&d, number_bits, sizeof d);
  return d;
}

void LiteralExpr::set_number(const Number& n) {
  integer = n.is_integer();
  if (integer) {
    int64_t i = n.as_int();
    std::memcpy(number_bits, &i, sizeof i);
  } else {
    double d = n.as_double();
    std::memcpy(number_bits, &d, sizeof d);
  }
}

const Attribute* Body::attribute(const SourceFile& source, std::string_view name) const {
  for (const Attribute& a : attributes())
    if (source.slice(a.name_span) == name) return &a;
  return nullptr;
}

std::string_view op_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return "||";
    case BinaryOp::And: return "&&";
    case BinaryOp::Equal: return "==";
    case BinaryOp::NotEqual: return "!=";
    case BinaryOp::Less: return "<";
    case BinaryOp::LessEqual: return "<=";
    case BinaryOp::Greater: return ">";
    case BinaryOp::GreaterEqual: return ">=";
    case BinaryOp::Add: return "+";
    case BinaryOp::Subtract: return "-";
    case BinaryOp::Multiply: return "*";
    case BinaryOp::Divide: return "/";
    case BinaryOp::Modulo: return "%";
  }
  return "?";
}

}  // namespace hcl
