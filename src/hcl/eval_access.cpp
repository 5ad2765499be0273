// Attribute access, indexing and splats.
#include <cmath>
#include <vector>

#include "hcl/eval_evaluator.h"

namespace hcl {

namespace {

std::vector<std::string_view> member_names(const Object& members) {
  std::vector<std::string_view> names;
  names.reserve(members.size());
  for (const auto& entry : members) names.push_back(entry.first);
  return names;
}

constexpr std::string_view kNoElement = "The given key does not identify an element in this collection value";

}  // namespace

Value Evaluator::get_attr(const GetAttrExpr& e, const Scope& scope) {
  auto source = value_of(*e.object, scope);
  if (!source) return Value();
  Span where = e.name_span().end > e.name_span().begin ? e.name_span() : e.span;
  std::string name(file_->slice(e.name_span()));
  switch (source->type()) {
    case Type::Object:
      if (const Value* v = source->get(name)) return *v;
      error(where, "Unsupported attribute",
            "This object does not have an attribute named \"" + name + "\"." +
                did_you_mean(name, member_names(source->as_object())));
      return Value();
    case Type::Null:
      error(where, "Attempt to get attribute from null value",
            "This value is null, so it does not have any attributes; \"" + name +
                "\" can only be read from an object.");
      return Value();
    case Type::Tuple:
      error(where, "Unsupported attribute",
            "Can't access attributes on " + describe(*source) + ". To get \"" + name +
                "\" from every element use a splat ([*]." + name + "), or pick one element first ([0]." + name +
                ").");
      return Value();
    default:
      error(where, "Unsupported attribute",
            "Can't access attributes on a primitive-typed value (" + std::string(type_name(source->type())) +
                "); \"" + name + "\" can only be read from an object.");
      return Value();
  }
}

Value Evaluator::index(const IndexExpr& e, const Scope& scope) {
  auto collection = value_of(*e.collection, scope);
  auto key = value_of(*e.key, scope);
  if (!collection || !key) return Value();
  if (collection->is_null()) {
    error(e.span, "Attempt to index null value", "This value is null, so it does not have any indices.");
    return Value();
  }
  if (key->is_null()) {
    error(e.key->span, "Invalid index", "Can't use a null value as an indexing key.");
    return Value();
  }
  if (collection->type() == Type::Tuple) return index_tuple(e, collection->as_tuple(), *key);
  if (collection->type() == Type::Object) return index_object(e, collection->as_object(), *key);
  error(e.span, "Invalid index",
        "This value does not have any indices: it is " + describe(*collection) + ", not a tuple or an object.");
  return Value();
}

Value Evaluator::index_tuple(const IndexExpr& e, const Tuple& items, const Value& key) {
  auto n = to_number_value(key);
  std::string problem;
  if (!n) {
    problem = "a tuple is indexed by a whole number, but this key is " + describe(key);
  } else if (!n->is_integer()) {
    problem = "the index " + n->to_string() + " is not a whole number";
  } else if (n->is_negative()) {
    problem = "a negative number is not a valid index for a sequence";
  } else if (static_cast<uint64_t>(n->as_int()) >= items.size()) {
    problem = items.empty() ? "the collection has no elements"
                            : "the index " + n->to_string() + " is out of range; the collection has " +
                                  std::to_string(items.size()) + " elements (indices 0 to " +
                                  std::to_string(items.size() - 1) + ")";
  } else {
    return items[static_cast<size_t>(n->as_int())];
  }
  error(e.key->span, "Invalid index", std::string(kNoElement) + ": " + problem + ".");
  return Value();
}

Value Evaluator::index_object(const IndexExpr& e, const Object& members, const Value& key) {
  auto name = to_string_value(key);
  if (!name) {
    error(e.key->span, "Invalid index",
          std::string(kNoElement) + ": an object is indexed by a string, but this key is " + describe(key) + ".");
    return Value();
  }
  auto it = members.find(*name);
  if (it != members.end()) return it->second;
  error(e.key->span, "Invalid index",
        std::string(kNoElement) + ": there is no element \"" + *name + "\"." +
            did_you_mean(*name, member_names(members)));
  return Value();
}

// `source[*].each`: null gives [], a value that is not a tuple is treated as
// a tuple of that one value, and `each` runs on every element.
Value Evaluator::splat(const SplatExpr& e, const Scope& scope) {
  auto source = value_of(*e.source, scope);
  if (!source) return Value();
  if (source->is_null()) return Tuple{};
  Tuple single;
  if (source->type() != Type::Tuple) single.push_back(*source);
  const Tuple& items = source->type() == Type::Tuple ? source->as_tuple() : single;
  if (!e.each) return items;
  const Value* outer = splat_item_;
  Tuple out;
  out.reserve(items.size());
  size_t before = diags_.size();
  for (const Value& item : items) {
    splat_item_ = &item;
    out.push_back(eval(*e.each, scope));
    if (diags_.size() != before) break;  // one report, not one per element
  }
  splat_item_ = outer;
  return diags_.size() == before ? charge_result(std::move(out)) : Value();
}

}  // namespace hcl
