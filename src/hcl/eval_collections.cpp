// Tuple and object constructors, and for expressions.
#include <map>

#include "hcl/eval_evaluator.h"

namespace hcl {

Value Evaluator::tuple(const TupleExpr& e, const Scope& scope) {
  Tuple items;
  items.reserve(e.item_count);
  size_t before = diags_.size();
  for (const Expr* item : e.items()) items.push_back(eval(*item, scope));
  return diags_.size() == before ? charge_result(std::move(items)) : Value();
}

Value Evaluator::object(const ObjectExpr& e, const Scope& scope) {
  Object members;
  std::map<std::string, Span, std::less<>> defined_at;
  size_t before = diags_.size();
  for (const ObjectItem& item : e.items()) {
    auto key_value = value_of(*item.key, scope);
    Value value = eval(*item.value, scope);
    if (!key_value) continue;
    auto key = want_key(*key_value, *item.key, "Incorrect key type");
    if (!key) continue;
    auto [first, fresh] = defined_at.emplace(*key, item.key->span);
    if (!fresh) {
      Pos at = file_ ? file_->position(first->second.begin) : Pos{};
      error(item.key->span, "Duplicate object key",
            "The key \"" + *key + "\" was already defined at line " + std::to_string(at.line) + ", column " +
                std::to_string(at.column) + " of this object. Each key may appear only once; remove or rename one.");
      continue;
    }
    members.emplace(std::move(*key), std::move(value));
  }
  return diags_.size() == before ? charge_result(std::move(members)) : Value();
}

namespace {

// The result of an object for expression as it is built: plain entries, and
// the tuples collected per key in grouping mode (`v...`).
struct Grouping {
  Object out;
  std::map<std::string, Tuple, std::less<>> groups;  // with `...`
};

}  // namespace

Value Evaluator::for_expr(const ForExpr& e, const Scope& scope) {
  auto source = value_of(*e.collection, scope);
  if (!source) return Value();
  const Value* collection = want_iterable(*source, *e.collection, "a 'for' expression");
  if (!collection) return Value();
  Tuple items;
  Grouping objects;
  size_t before = diags_.size();
  // Stops at the first error: the same mistake would repeat for every element.
  bool ok = for_each_element(*collection, [&](const Value& k, const Value& v) {
    Scope child = iteration_scope(scope, file_->slice(e.key_var), k, file_->slice(e.value_var), v);
    if (e.condition) {
      auto keep = value_of(*e.condition, child);
      if (!keep) return false;
      auto b = want_bool(*keep, *e.condition, "Invalid 'for' condition", "The 'if' clause value");
      if (!b) return false;
      if (!*b) return true;
    }
    if (!e.key_result) {
      items.push_back(eval(*e.value_result, child));
      budget_.collection_size(items.size());
      return diags_.size() == before;
    }
    auto key_value = value_of(*e.key_result, child);
    Value value = eval(*e.value_result, child);
    if (!key_value || diags_.size() != before) return false;
    auto key = want_key(*key_value, *e.key_result, "Invalid object key");
    if (!key) return false;
    budget_.collection_size(objects.out.size() + objects.groups.size());
    if (e.group) {
      objects.groups[*key].push_back(std::move(value));
    } else if (!objects.out.emplace(*key, std::move(value)).second) {
      error(e.key_result->span, "Duplicate object key",
            "Two different items produced the key \"" + *key +
                "\" in this 'for' expression. If duplicate keys are expected, use the ellipsis (...) after the "
                "value expression to enable grouping by key.");
      return false;
    }
    return true;
  });
  if (!ok) return Value();
  if (!e.key_result) return charge_result(std::move(items));
  for (auto& [key, group] : objects.groups) objects.out.emplace(key, charge_result(std::move(group)));
  return charge_result(std::move(objects.out));
}

}  // namespace hcl
