// Type conversion functions. We have no separate list, map and set types:
// tolist and toset give tuples (toset without duplicates), tomap an object.
// All of them unify element types the way HCL does (numbers and bools
// become strings when a string is among them), and null passes through.
#include <algorithm>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

[[noreturn]] void cannot_convert(const Value& v, std::string_view to) {
  fail_arg(0, "v", "cannot convert " + std::string(type_name(v.type())) + " to " + std::string(to));
}

Value tostring(Args args) {
  if (args[0].is_null()) return Value();
  auto s = to_string_value(args[0]);
  if (!s) cannot_convert(args[0], "string");
  return *s;
}

Value tonumber(Args args) {
  if (args[0].is_null()) return Value();
  auto n = to_number_value(args[0]);
  if (!n) {
    if (args[0].type() == Type::String) fail_arg(0, "v", "cannot convert \"" + args[0].as_string() + "\" to number");
    cannot_convert(args[0], "number");
  }
  return *n;
}

Value tobool(Args args) {
  if (args[0].is_null()) return Value();
  auto b = to_bool_value(args[0]);
  if (!b) {
    if (args[0].type() == Type::String)
      fail_arg(0, "v", "cannot convert \"" + args[0].as_string() + "\" to bool; only the strings \"true\" or "
                       "\"false\" are allowed");
    cannot_convert(args[0], "bool");
  }
  return *b;
}

Value tolist(Args args) {
  if (args[0].is_null()) return Value();
  if (args[0].type() != Type::Tuple) cannot_convert(args[0], "list");
  return unify_elements(args[0].as_tuple(), 0, "v");
}

Value toset(Args args) {
  if (args[0].is_null()) return Value();
  if (args[0].type() != Type::Tuple) cannot_convert(args[0], "set");
  Tuple out;
  for (const Value& v : unify_elements(args[0].as_tuple(), 0, "v"))
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  return out;
}

Value tomap(Args args) {
  if (args[0].is_null()) return Value();
  if (args[0].type() != Type::Object) cannot_convert(args[0], "map");
  const Object& in = args[0].as_object();
  Tuple items;
  for (const auto& entry : in) items.push_back(entry.second);
  Tuple unified = unify_elements(items, 0, "v");
  Object out;
  size_t i = 0;
  for (const auto& entry : in) out.emplace(entry.first, unified[i++]);
  return out;
}

}  // namespace

std::vector<Function> conversion_functions() {
  return {
      {"tostring", 1, 1, "tostring(v)", tostring}, {"tonumber", 1, 1, "tonumber(v)", tonumber},
      {"tobool", 1, 1, "tobool(v)", tobool},       {"tolist", 1, 1, "tolist(v)", tolist},
      {"toset", 1, 1, "toset(v)", toset},          {"tomap", 1, 1, "tomap(v)", tomap},
  };
}

}  // namespace hcl::fn
