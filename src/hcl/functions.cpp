#include "hcl/functions.h"

#include <algorithm>
#include <cmath>

#include "hcl/functions_support.h"

namespace hcl {

FunctionTable::FunctionTable(std::vector<Function> functions) : functions_(std::move(functions)) {
  std::sort(functions_.begin(), functions_.end(),
            [](const Function& a, const Function& b) { return a.name < b.name; });
}

const Function* FunctionTable::find(std::string_view name) const {
  auto it = std::lower_bound(functions_.begin(), functions_.end(), name,
                             [](const Function& f, std::string_view n) { return f.name < n; });
  return it != functions_.end() && it->name == name ? &*it : nullptr;
}

std::string_view FunctionTable::suggest(std::string_view name) const {
  std::vector<std::string_view> names;
  names.reserve(functions_.size());
  for (const Function& f : functions_) names.push_back(f.name);
  return closest_name(name, names);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance, keeping the last two rows of the table.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return previous[b.size()];
}

const FunctionTable& standard_functions() {
  static const FunctionTable table = [] {
    std::vector<Function> all;
    for (auto part : {fn::string_functions, fn::format_functions, fn::collection_functions, fn::set_functions,
                      fn::regex_functions, fn::numeric_functions, fn::encoding_functions, fn::conversion_functions}) {
      std::vector<Function> fs = part();
      all.insert(all.end(), fs.begin(), fs.end());
    }
    return FunctionTable(std::move(all));
  }();
  return table;
}

namespace fn {

void fail_arg(size_t index, std::string_view param, std::string_view problem) {
  throw FunctionError(static_cast<int>(index),
                      "Invalid value for \"" + std::string(param) + "\" parameter: " + std::string(problem) + ".");
}

void fail_call(std::string problem) { throw FunctionError(-1, problem); }

namespace {

const Value& present_arg(Args args, size_t i, std::string_view param) {
  if (args[i].is_null()) fail_arg(i, param, "argument must not be null");
  return args[i];
}

}  // namespace

std::string string_arg(Args args, size_t i, std::string_view param) {
  auto s = to_string_value(present_arg(args, i, param));
  if (!s) fail_arg(i, param, "string required");
  return *s;
}

Number number_arg(Args args, size_t i, std::string_view param) {
  auto n = to_number_value(present_arg(args, i, param));
  if (!n) fail_arg(i, param, "number required");
  return *n;
}

int64_t integer_arg(Args args, size_t i, std::string_view param) {
  Number n = number_arg(args, i, param);
  if (!n.is_integer()) fail_arg(i, param, "a whole number is required");
  return n.as_int();
}

bool bool_arg(Args args, size_t i, std::string_view param) {
  auto b = to_bool_value(present_arg(args, i, param));
  if (!b) fail_arg(i, param, "bool required");
  return *b;
}

const Tuple& tuple_arg(Args args, size_t i, std::string_view param) {
  const Value& v = present_arg(args, i, param);
  if (v.type() != Type::Tuple) fail_arg(i, param, "list required, got " + std::string(type_name(v.type())));
  return v.as_tuple();
}

const Object& object_arg(Args args, size_t i, std::string_view param) {
  const Value& v = present_arg(args, i, param);
  if (v.type() != Type::Object) fail_arg(i, param, "map or object required, got " + std::string(type_name(v.type())));
  return v.as_object();
}

std::vector<std::string> string_list_arg(Args args, size_t i, std::string_view param) {
  std::vector<std::string> out;
  const Tuple& items = tuple_arg(args, i, param);
  for (size_t k = 0; k < items.size(); ++k) {
    if (items[k].is_null()) fail_arg(i, param, "element " + std::to_string(k) + " is null");
    auto s = to_string_value(items[k]);
    if (!s) fail_arg(i, param, "list of string required; element " + std::to_string(k) + " is a " +
                                   std::string(type_name(items[k].type())));
    out.push_back(std::move(*s));
  }
  return out;
}

Tuple unify_elements(const Tuple& items, size_t index, std::string_view param) {
  bool has_string = false;
  bool has_number = false;
  bool has_bool = false;
  bool has_collection = false;
  for (const Value& v : items) {
    has_string |= v.type() == Type::String;
    has_number |= v.type() == Type::Number;
    has_bool |= v.type() == Type::Bool;
    has_collection |= v.is_collection();
  }
  int primitive_kinds = has_string + has_number + has_bool;
  if (primitive_kinds <= 1 && !(primitive_kinds == 1 && has_collection)) return items;
  if (has_collection || !has_string)
    fail_arg(index, param, "all elements must have the same type, or types that convert to a string");
  Tuple out;
  out.reserve(items.size());
  for (const Value& v : items) out.push_back(v.is_null() ? v : Value(*to_string_value(v)));
  return out;
}

}  // namespace fn

}  // namespace hcl
