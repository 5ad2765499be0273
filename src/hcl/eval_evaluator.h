// The evaluator behind hcl::evaluate(), split over eval_*.cpp by construct.
//
// Each construct appends its own diagnostics and yields null on error.
// Callers of a sub-expression use value_of(), which also reports whether the
// sub-expression added errors, so one mistake is reported once and not again
// by every enclosing expression.
#pragma once

#include <optional>
#include <string>

#include "hcl/eval.h"

namespace hcl {

class Evaluator {
 public:
  Evaluator(const std::shared_ptr<const SourceFile>& file, Diagnostics& diags, Budget& budget)
      : file_(file), diags_(diags), budget_(budget) {}

  Value eval(const Expr& e, const Scope& scope);
  // The value of `e`, or nullopt when evaluating it reported an error.
  std::optional<Value> value_of(const Expr& e, const Scope& scope);

 private:
  Value dispatch(const Expr& e, const Scope& scope);

  Value variable(const VariableExpr& e, const Scope& scope);
  Value get_attr(const GetAttrExpr& e, const Scope& scope);
  Value index(const IndexExpr& e, const Scope& scope);
  Value index_tuple(const IndexExpr& e, const Tuple& items, const Value& key);
  Value index_object(const IndexExpr& e, const Object& members, const Value& key);
  Value splat(const SplatExpr& e, const Scope& scope);
  Value call(const CallExpr& e, const Scope& scope);
  Value unknown_function(const CallExpr& e, const Scope& scope);
  Value catching_call(const CallExpr& e, const Scope& scope, bool is_can);
  bool check_arity(const CallExpr& e, const Function& f, size_t arg_count);
  Value call_function(const CallExpr& e, const Function& f, const std::vector<Value>& args);
  // A value just built (by a constructor or a function), charged to the
  // budget: its size, its keys, its depth.
  Value charge_result(Value v);
  Value conditional(const ConditionalExpr& e, const Scope& scope);
  Value binary(const BinaryExpr& e, const Scope& scope);
  Value logical(const BinaryExpr& e, const Scope& scope);
  std::optional<Number> number_operand(const std::optional<Value>& v, const Expr& where, std::string_view side);
  Value arithmetic(const BinaryExpr& e, const Number& lhs, const Number& rhs);
  Value unary(const UnaryExpr& e, const Scope& scope);
  Value tuple(const TupleExpr& e, const Scope& scope);
  Value object(const ObjectExpr& e, const Scope& scope);
  Value for_expr(const ForExpr& e, const Scope& scope);
  Value template_expr(const TemplateExpr& e, const Scope& scope);
  Value template_if(const TemplateIfExpr& e, const Scope& scope);
  Value template_for(const TemplateForExpr& e, const Scope& scope);

  // Shared checks: each reports a diagnostic at `where` and returns nullopt
  // when the value is null or has no conversion to the wanted type.
  std::optional<bool> want_bool(const Value& v, const Expr& where, std::string_view summary,
                                std::string_view what);
  std::optional<std::string> want_key(const Value& v, const Expr& where, std::string_view summary);
  // A collection to iterate over (for expressions and %{ for }), or nullptr.
  const Value* want_iterable(const Value& v, const Expr& where, std::string_view construct);

  void error(Span span, std::string summary, std::string detail) {
    diags_.error(file_, span, std::move(summary), std::move(detail));
  }

  const std::shared_ptr<const SourceFile>& file_;
  Diagnostics& diags_;
  Budget& budget_;
  const Value* splat_item_ = nullptr;  // the element the innermost splat is at
  int depth_ = 0;
};

// A limit exceeded while evaluating `span` of `file`: LimitExceeded once the
// innermost expression evaluating when it was thrown has given its place.
struct LocatedLimit {
  LimitExceeded limit;
  std::shared_ptr<const SourceFile> file;
  Span span;
};

// A child scope binding a for expression's key and value names.
Scope iteration_scope(const Scope& parent, std::string_view key_var, const Value& key, std::string_view value_var,
                      const Value& value);

// Walks a tuple (keys are indices) or object (keys are names, sorted).
template <class Visit>
bool for_each_element(const Value& collection, Visit&& visit) {
  if (collection.type() == Type::Tuple) {
    int64_t i = 0;
    for (const Value& v : collection.as_tuple())
      if (!visit(Value(i++), v)) return false;
  } else {
    for (const auto& [k, v] : collection.as_object())
      if (!visit(Value(k), v)) return false;
  }
  return true;
}

// "a string", "a tuple of 3 elements", "null": what a value is, for details.
std::string describe(const Value& v);
// " Did you mean \"x\"?" when one of `names` is close to `name`, else "".
template <class Names>
std::string did_you_mean(std::string_view name, const Names& names) {
  std::string_view best = closest_name(name, names);
  return best.empty() ? std::string() : " Did you mean \"" + std::string(best) + "\"?";
}

}  // namespace hcl
