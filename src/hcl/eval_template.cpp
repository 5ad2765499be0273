// Templates: "a ${b} c", heredocs, and the %{ if } and %{ for } directives.
#include "hcl/eval_evaluator.h"

namespace hcl {

Value Evaluator::template_expr(const TemplateExpr& e, const Scope& scope) {
  std::string out;
  bool ok = true;
  for (const Expr* part : e.parts()) {
    auto v = value_of(*part, scope);
    if (!v) {
      ok = false;
      continue;
    }
    if (v->is_null()) {
      error(part->span, "Invalid template interpolation value",
            "The expression result is null. Cannot include a null value in a string template; "
            "give a default, e.g. coalesce(x, \"\").");
      ok = false;
      continue;
    }
    auto s = to_string_value(*v);
    if (!s) {
      error(part->span, "Invalid template interpolation value",
            "Cannot include the given value in a string template: a string is required, but this is " +
                describe(*v) + ". Use jsonencode() or join() to turn a collection into text.");
      ok = false;
      continue;
    }
    budget_.string_size(out.size() + s->size());
    out += *s;
  }
  budget_.charge_string(out.size());
  return ok ? Value(std::move(out)) : Value();
}

Value Evaluator::template_if(const TemplateIfExpr& e, const Scope& scope) {
  auto condition = value_of(*e.condition, scope);
  if (!condition) return Value();
  auto chosen = want_bool(*condition, *e.condition, "Incorrect condition type", "The condition");
  if (!chosen) return Value();
  if (*chosen) return eval(*e.then_part, scope);
  return e.else_part ? eval(*e.else_part, scope) : Value("");
}

Value Evaluator::template_for(const TemplateForExpr& e, const Scope& scope) {
  auto source = value_of(*e.collection, scope);
  if (!source) return Value();
  const Value* collection = want_iterable(*source, *e.collection, "a template 'for' directive");
  if (!collection) return Value();
  std::string out;
  bool ok = for_each_element(*collection, [&](const Value& k, const Value& v) {
    Scope child = iteration_scope(scope, file_->slice(e.key_var), k, file_->slice(e.value_var), v);
    auto text = value_of(*e.body, child);
    if (text) {
      budget_.string_size(out.size() + text->as_string().size());
      out += text->as_string();
    }
    return text.has_value();
  });
  budget_.charge_string(out.size());
  return ok ? Value(std::move(out)) : Value();
}

}  // namespace hcl
