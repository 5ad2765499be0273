// Binary and unary operators.
#include "hcl/eval_evaluator.h"

namespace hcl {

namespace {

bool is_logical(BinaryOp op) { return op == BinaryOp::Or || op == BinaryOp::And; }
bool is_equality(BinaryOp op) { return op == BinaryOp::Equal || op == BinaryOp::NotEqual; }

std::string operand_problem(std::string_view side, const Value& v, std::string_view wanted) {
  return "Unsuitable value for " + std::string(side) + " operand: " + std::string(wanted) + " is required, but " +
         (v.is_null() ? std::string("it is null") : "this is " + describe(v)) + ".";
}

}  // namespace

Value Evaluator::binary(const BinaryExpr& e, const Scope& scope) {
  if (is_logical(e.op)) return logical(e, scope);
  auto lhs = value_of(*e.lhs, scope);
  auto rhs = value_of(*e.rhs, scope);
  if (is_equality(e.op)) {
    if (!lhs || !rhs) return Value();
    return (*lhs == *rhs) == (e.op == BinaryOp::Equal);
  }
  // Everything else works on numbers; numeric strings convert. Each operand
  // is checked on its own so that independent mistakes are all reported.
  auto a = number_operand(lhs, *e.lhs, "left");
  auto b = number_operand(rhs, *e.rhs, "right");
  if (!a || !b) return Value();
  switch (e.op) {
    case BinaryOp::Less: return *a < *b;
    case BinaryOp::LessEqual: return !(*b < *a);
    case BinaryOp::Greater: return *b < *a;
    case BinaryOp::GreaterEqual: return !(*a < *b);
    default: return arithmetic(e, *a, *b);
  }
}

std::optional<Number> Evaluator::number_operand(const std::optional<Value>& v, const Expr& where,
                                                std::string_view side) {
  if (!v) return std::nullopt;
  auto n = v->is_null() ? std::nullopt : to_number_value(*v);
  if (!n) error(where.span, "Invalid operand", operand_problem(side, *v, "a number"));
  return n;
}

Value Evaluator::arithmetic(const BinaryExpr& e, const Number& lhs, const Number& rhs) {
  bool divides = e.op == BinaryOp::Divide || e.op == BinaryOp::Modulo;
  if (divides && rhs.is_zero()) {
    bool modulo = e.op == BinaryOp::Modulo;
    error(e.span, modulo ? "Modulo by zero" : "Division by zero",
          std::string("The right operand of this ") + (modulo ? "modulo" : "division") +
              " is zero, and a number can't be divided by zero. Check the value, or guard it with a conditional.");
    return Value();
  }
  switch (e.op) {
    case BinaryOp::Add: return lhs + rhs;
    case BinaryOp::Subtract: return lhs - rhs;
    case BinaryOp::Multiply: return lhs * rhs;
    case BinaryOp::Divide: return lhs / rhs;
    case BinaryOp::Modulo: return remainder(lhs, rhs);
    default: return Value();
  }
}

// && and || need bools. The right operand is skipped when the left one
// decides the result, so `x != null && x.enabled` is safe.
Value Evaluator::logical(const BinaryExpr& e, const Scope& scope) {
  auto lhs = value_of(*e.lhs, scope);
  if (!lhs) return Value();
  auto a = lhs->is_null() ? std::nullopt : to_bool_value(*lhs);
  if (!a) {
    error(e.lhs->span, "Invalid operand", operand_problem("left", *lhs, "a bool"));
    return Value();
  }
  bool is_or = e.op == BinaryOp::Or;
  if (*a == is_or) return *a;
  auto rhs = value_of(*e.rhs, scope);
  if (!rhs) return Value();
  auto b = rhs->is_null() ? std::nullopt : to_bool_value(*rhs);
  if (!b) {
    error(e.rhs->span, "Invalid operand", operand_problem("right", *rhs, "a bool"));
    return Value();
  }
  return *b;
}

Value Evaluator::unary(const UnaryExpr& e, const Scope& scope) {
  auto operand = value_of(*e.operand, scope);
  if (!operand) return Value();
  if (e.op == UnaryOp::Not) {
    auto b = operand->is_null() ? std::nullopt : to_bool_value(*operand);
    if (b) return !*b;
    error(e.operand->span, "Invalid operand", operand_problem("unary", *operand, "a bool"));
    return Value();
  }
  auto n = operand->is_null() ? std::nullopt : to_number_value(*operand);
  if (n) return -*n;
  error(e.operand->span, "Invalid operand", operand_problem("unary", *operand, "a number"));
  return Value();
}

}  // namespace hcl
