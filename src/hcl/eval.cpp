#include "hcl/eval.h"

#include <vector>

#include "hcl/eval_evaluator.h"

namespace hcl {

namespace {

// Above the parser's nesting limit for the common shapes, far above any real
// configuration, and low enough that the deepest evaluation fits an 8 MiB
// stack even in a sanitizer build.
constexpr int kMaxDepth = 3000;

Value literal(const LiteralExpr& e, const SourceFile& source) {
  switch (e.literal) {
    case LiteralKind::Null: return Value();
    case LiteralKind::Bool: return e.boolean;
    case LiteralKind::Number: return e.number();
    case LiteralKind::String: return source.text(e.string);
  }
  return Value();
}

std::vector<std::string_view> visible_names(const Scope& scope) {
  std::vector<std::string_view> names;
  for (const Scope* s = &scope; s; s = s->parent)
    for (const auto& entry : s->variables) names.push_back(entry.first);
  return names;
}

}  // namespace

const Value* Scope::lookup(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent) {
    auto it = s->variables.find(name);
    if (it != s->variables.end()) return &it->second;
  }
  return nullptr;
}

Value evaluate(const Expr& expr, const std::shared_ptr<const SourceFile>& file, const Scope& scope,
               Diagnostics& diags) {
  Budget budget;
  return evaluate(expr, file, scope, diags, budget);
}

Value evaluate(const Expr& expr, const std::shared_ptr<const SourceFile>& file, const Scope& scope,
               Diagnostics& diags, Budget& budget) {
  Budget::Use use(budget);
  try {
    return Evaluator(file, diags, budget).eval(expr, scope);
  } catch (const LocatedLimit& e) {
    diags.error(e.file, e.span, e.limit.summary, e.limit.detail);
  }
  return Value();
}

Value Evaluator::eval(const Expr& e, const Scope& scope) {
  try {
    budget_.step();
  } catch (const LimitExceeded& limit) {
    throw LocatedLimit{limit, file_, e.span};
  }
  if (depth_ >= kMaxDepth) {
    error(e.span, "Expression too deeply nested",
          "This expression nests more than " + std::to_string(kMaxDepth) +
              " levels deep. Split it up, for example with local values.");
    return Value();
  }
  ++depth_;
  try {
    Value v = dispatch(e, scope);
    --depth_;
    return v;
  } catch (const LimitExceeded& limit) {  // thrown by this expression itself, not a sub-expression
    throw LocatedLimit{limit, file_, e.span};
  }
}

std::optional<Value> Evaluator::value_of(const Expr& e, const Scope& scope) {
  size_t before = diags_.size();
  Value v = eval(e, scope);
  if (diags_.size() != before) return std::nullopt;
  return v;
}

Value Evaluator::charge_result(Value v) {
  if (v.type() == Type::String) {
    budget_.charge_string(v.as_string().size());
  } else if (v.type() == Type::Tuple) {
    budget_.charge_collection(v.as_tuple().size());
    budget_.value_depth(v.depth());
  } else if (v.type() == Type::Object) {
    size_t key_bytes = 0;
    for (const auto& entry : v.as_object()) key_bytes += entry.first.size();
    budget_.charge_collection(v.as_object().size(), key_bytes);
    budget_.value_depth(v.depth());
  }
  return v;
}

Value Evaluator::dispatch(const Expr& e, const Scope& scope) {
  switch (e.kind) {
    case ExprKind::Literal: return literal(as<LiteralExpr>(e), *file_);
    case ExprKind::Template: return template_expr(as<TemplateExpr>(e), scope);
    case ExprKind::TemplateWrap: return eval(*as<TemplateWrapExpr>(e).inner, scope);
    case ExprKind::TemplateIf: return template_if(as<TemplateIfExpr>(e), scope);
    case ExprKind::TemplateFor: return template_for(as<TemplateForExpr>(e), scope);
    case ExprKind::Variable: return variable(as<VariableExpr>(e), scope);
    case ExprKind::GetAttr: return get_attr(as<GetAttrExpr>(e), scope);
    case ExprKind::Index: return index(as<IndexExpr>(e), scope);
    case ExprKind::Splat: return splat(as<SplatExpr>(e), scope);
    case ExprKind::SplatItem: return splat_item_ ? *splat_item_ : Value();
    case ExprKind::Call: return call(as<CallExpr>(e), scope);
    case ExprKind::Conditional: return conditional(as<ConditionalExpr>(e), scope);
    case ExprKind::Binary: return binary(as<BinaryExpr>(e), scope);
    case ExprKind::Unary: return unary(as<UnaryExpr>(e), scope);
    case ExprKind::Tuple: return tuple(as<TupleExpr>(e), scope);
    case ExprKind::Object: return object(as<ObjectExpr>(e), scope);
    case ExprKind::For: return for_expr(as<ForExpr>(e), scope);
    case ExprKind::Parens: return eval(*as<ParensExpr>(e).inner, scope);
  }
  return Value();
}

Value Evaluator::variable(const VariableExpr& e, const Scope& scope) {
  std::string_view name = file_->slice(e.span);
  if (const Value* v = scope.lookup(name)) return *v;
  error(e.span, "Unknown variable",
        "There is no variable named \"" + std::string(name) + "\"." + did_you_mean(name, visible_names(scope)));
  return Value();
}

Value Evaluator::conditional(const ConditionalExpr& e, const Scope& scope) {
  auto condition = value_of(*e.condition, scope);
  if (!condition) return Value();
  auto chosen = want_bool(*condition, *e.condition, "Incorrect condition type", "The condition");
  if (!chosen) return Value();
  // Only the chosen branch runs, so `length(x) > 0 ? x[0] : d` is safe.
  return eval(*chosen ? *e.true_result : *e.false_result, scope);
}

std::optional<bool> Evaluator::want_bool(const Value& v, const Expr& where, std::string_view summary,
                                         std::string_view what) {
  if (v.is_null()) {
    error(where.span, "Null condition",
          std::string(what) + " is null; it must be either true or false.");
    return std::nullopt;
  }
  auto b = to_bool_value(v);
  if (!b)
    error(where.span, std::string(summary),
          std::string(what) + " must be a bool (true or false), but this is " + describe(v) + ".");
  return b;
}

std::optional<std::string> Evaluator::want_key(const Value& v, const Expr& where, std::string_view summary) {
  if (v.is_null()) {
    error(where.span, "Null value as key", "Can't use a null value as a key; a string is required.");
    return std::nullopt;
  }
  auto s = to_string_value(v);
  if (!s)
    error(where.span, std::string(summary),
          "Can't use this value as a key: a string is required, but this is " + describe(v) + ".");
  return s;
}

const Value* Evaluator::want_iterable(const Value& v, const Expr& where, std::string_view construct) {
  if (v.is_null()) {
    error(where.span, "Iteration over null value",
          "A null value cannot be used as the collection in " + std::string(construct) +
              "; a tuple or an object is required.");
    return nullptr;
  }
  if (!v.is_collection()) {
    error(where.span, "Iteration over non-iterable value",
          "A value of type " + std::string(type_name(v.type())) + " cannot be used as the collection in " +
              std::string(construct) + "; a tuple or an object is required.");
    return nullptr;
  }
  return &v;
}

Scope iteration_scope(const Scope& parent, std::string_view key_var, const Value& key, std::string_view value_var,
                      const Value& value) {
  Scope child;
  child.functions = parent.functions;
  child.parent = &parent;
  if (!key_var.empty()) child.variables.emplace(key_var, key);
  child.variables.insert_or_assign(std::string(value_var), value);
  return child;
}

std::string describe(const Value& v) {
  switch (v.type()) {
    case Type::Null: return "null";
    case Type::Bool: return "a bool";
    case Type::Number: return "a number";
    case Type::String: return "a string";
    case Type::Tuple: return "a tuple of " + std::to_string(v.length()) + " elements";
    case Type::Object: return "an object";
  }
  return "a value";
}

}  // namespace hcl
