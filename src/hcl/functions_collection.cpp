// Collection functions over tuples (HCL's lists) and objects (HCL's maps).
#include <algorithm>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

Value length(Args args) {
  const Value& v = args[0];
  if (v.is_null()) fail_arg(0, "value", "argument must not be null");
  if (v.type() != Type::String && !v.is_collection())
    fail_arg(0, "value", "collection, object or string required, got " + std::string(type_name(v.type())));
  return static_cast<int64_t>(v.length());
}

Value concat(Args args) {
  if (args.empty()) fail_call("at least one argument is required");
  Tuple out;
  for (size_t i = 0; i < args.size(); ++i) {
    const Tuple& items = tuple_arg(args, i, "seqs");
    check_collection_size(out.size() + items.size());
    out.insert(out.end(), items.begin(), items.end());
  }
  return out;
}

// Later arguments win; null arguments are skipped, as in HCL.
Value merge(Args args) {
  Object out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].is_null()) continue;
    const Object& map = object_arg(args, i, "maps");
    check_collection_size(out.size() + map.size());
    for (const auto& [key, value] : map) out.insert_or_assign(key, value);
  }
  return out;
}

Value keys(Args args) {
  Tuple out;
  for (const auto& entry : object_arg(args, 0, "inputMap")) out.emplace_back(entry.first);
  return out;
}

Value values(Args args) {
  Tuple out;
  for (const auto& entry : object_arg(args, 0, "mapping")) out.push_back(entry.second);
  return out;
}

Value contains(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  step(items.size());
  return std::find(items.begin(), items.end(), args[1]) != items.end();
}

Value lookup(Args args) {
  const Object& map = object_arg(args, 0, "inputMap");
  std::string key = string_arg(args, 1, "key");
  auto it = map.find(key);
  if (it != map.end()) return it->second;
  if (args.size() == 3) return args[2];
  fail_call("the given key \"" + key + "\" does not identify an element in this map, and no default was given");
}

Value element(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  int64_t index = integer_arg(args, 1, "index");
  if (index < 0) fail_arg(1, "index", "cannot use element function with a negative index");
  if (items.empty()) fail_arg(0, "list", "cannot use element function with an empty list");
  return items[static_cast<size_t>(index) % items.size()];
}

Value index(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  step(items.size());
  auto it = std::find(items.begin(), items.end(), args[1]);
  if (it == items.end()) fail_call("item not found");
  return static_cast<int64_t>(it - items.begin());
}

Value slice(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  int64_t start = integer_arg(args, 1, "start_index");
  int64_t end = integer_arg(args, 2, "end_index");
  if (start < 0) fail_arg(1, "start_index", "must not be less than zero");
  if (end > static_cast<int64_t>(items.size()))
    fail_arg(2, "end_index", "must not be greater than the length of the list");
  if (start > end) fail_arg(1, "start_index", "must not be greater than end_index");
  return Tuple(items.begin() + start, items.begin() + end);
}

Value range(Args args) {
  Number start = args.size() == 1 ? Number(int64_t{0}) : number_arg(args, 0, "params");
  Number end = number_arg(args, args.size() == 1 ? 0 : 1, "params");
  Number step = args.size() == 3 ? number_arg(args, 2, "params") : Number(int64_t{end < start ? -1 : 1});
  if (step.is_zero()) fail_arg(2, "params", "step must not be zero");
  bool down = step.is_negative();
  if (down && start < end) fail_arg(1, "params", "end must not be greater than start when step is negative");
  if (!down && end < start) fail_arg(1, "params", "end must not be less than start when step is positive");
  constexpr size_t kLimit = 1024;
  Tuple out;
  for (Number n = start; down ? end < n : n < end; n = n + step) {
    if (out.size() == kLimit)
      fail_call("more than 1024 values were generated; either decrease the difference between start and end or "
                "use a smaller step");
    out.emplace_back(n);
  }
  return out;
}

bool is_empty_string(const Value& v) { return v.type() == Type::String && v.as_string().empty(); }

Value coalesce(Args args) {
  for (const Value& v : args)
    if (!v.is_null() && !is_empty_string(v)) return v;
  fail_call("no non-null, non-empty-string arguments");
}

Value coalescelist(Args args) {
  for (size_t i = 0; i < args.size(); ++i)
    if (!args[i].is_null() && !tuple_arg(args, i, "vals").empty()) return args[i];
  fail_call("no non-null arguments");
}

Value compact(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  Tuple out;
  for (const Value& v : items) {
    if (v.is_null() || is_empty_string(v)) continue;
    if (v.is_collection()) fail_arg(0, "list", "list of string required");
    out.push_back(v);
  }
  return out;
}

Value distinct(Args args) {
  Tuple out;
  for (const Value& v : tuple_arg(args, 0, "list")) {
    step(out.size());
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

void flatten_into(const Tuple& items, Tuple& out) {
  // Shared tuples make a list far longer flattened than it is in memory.
  for (const Value& v : items) {
    step();
    if (v.type() == Type::Tuple) {
      flatten_into(v.as_tuple(), out);
    } else {
      check_collection_size(out.size() + 1);
      out.push_back(v);
    }
  }
}

Value flatten(Args args) {
  Tuple out;
  flatten_into(tuple_arg(args, 0, "list"), out);
  return out;
}

Value reverse(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  return Tuple(items.rbegin(), items.rend());
}

// Lexical order of the elements converted to strings, as HCL's sort.
Value sort(Args args) {
  std::vector<std::string> items = string_list_arg(args, 0, "list");
  std::sort(items.begin(), items.end());
  return Tuple(items.begin(), items.end());
}

Value zipmap(Args args) {
  std::vector<std::string> names = string_list_arg(args, 0, "keys");
  const Tuple& items = tuple_arg(args, 1, "values");
  if (names.size() != items.size())
    fail_call("number of keys (" + std::to_string(names.size()) + ") does not match number of values (" +
              std::to_string(items.size()) + ")");
  Object out;
  for (size_t i = 0; i < names.size(); ++i) out.insert_or_assign(names[i], items[i]);
  return out;
}

Value one(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  if (items.size() > 1) fail_arg(0, "list", "must be a list with either zero or one elements");
  return items.empty() ? Value() : items[0];
}

Value chunklist(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  int64_t size = integer_arg(args, 1, "size");
  if (size < 0) fail_arg(1, "size", "the size argument must be positive");
  if (size == 0) return Tuple{items};
  Tuple out;
  for (size_t at = 0; at < items.size(); at += static_cast<size_t>(size)) {
    size_t end = std::min(items.size(), at + static_cast<size_t>(size));
    out.emplace_back(Tuple(items.begin() + static_cast<ptrdiff_t>(at), items.begin() + static_cast<ptrdiff_t>(end)));
  }
  return out;
}

template <bool kAll>
Value all_or_any(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  for (size_t i = 0; i < items.size(); ++i) {
    auto b = to_bool_value(items[i]);
    if (!b && !items[i].is_null()) fail_arg(0, "list", "list of bool required");
    bool truth = b.value_or(false);  // null counts as false, as in HCL
    if (truth != kAll) return !kAll;
  }
  return kAll;
}

}  // namespace

std::vector<Function> collection_functions() {
  return {
      {"length", 1, 1, "length(value)", length},
      {"concat", 0, -1, "concat(seqs...)", concat},
      {"merge", 0, -1, "merge(maps...)", merge},
      {"keys", 1, 1, "keys(inputMap)", keys},
      {"values", 1, 1, "values(mapping)", values},
      {"contains", 2, 2, "contains(list, value)", contains},
      {"lookup", 2, 3, "lookup(inputMap, key, default)", lookup},
      {"element", 2, 2, "element(list, index)", element},
      {"index", 2, 2, "index(list, value)", index},
      {"slice", 3, 3, "slice(list, start_index, end_index)", slice},
      {"range", 1, 3, "range(params...)", range},
      {"coalesce", 0, -1, "coalesce(vals...)", coalesce},
      {"coalescelist", 0, -1, "coalescelist(vals...)", coalescelist},
      {"compact", 1, 1, "compact(list)", compact},
      {"distinct", 1, 1, "distinct(list)", distinct},
      {"flatten", 1, 1, "flatten(list)", flatten},
      {"reverse", 1, 1, "reverse(list)", reverse},
      {"sort", 1, 1, "sort(list)", sort},
      {"zipmap", 2, 2, "zipmap(keys, values)", zipmap},
      {"one", 1, 1, "one(list)", one},
      {"chunklist", 2, 2, "chunklist(list, size)", chunklist},
      {"alltrue", 1, 1, "alltrue(list)", all_or_any<true>},
      {"anytrue", 1, 1, "anytrue(list)", all_or_any<false>},
  };
}

}  // namespace hcl::fn
