// Set functions. We have no separate set type: a set is a tuple without
// duplicates, in the order elements were first seen.
#include <algorithm>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

bool has(const Tuple& items, const Value& v) {
  step(items.size());
  return std::find(items.begin(), items.end(), v) != items.end();
}

void add_distinct(Tuple& out, const Value& v) {
  if (!has(out, v)) out.push_back(v);
}

Value setunion(Args args) {
  Tuple out;
  for (size_t i = 0; i < args.size(); ++i)
    for (const Value& v : tuple_arg(args, i, "sets")) add_distinct(out, v);
  return out;
}

Value setintersection(Args args) {
  Tuple out;
  for (const Value& v : tuple_arg(args, 0, "first_set")) {
    bool everywhere = true;
    for (size_t i = 1; i < args.size() && everywhere; ++i) everywhere = has(tuple_arg(args, i, "other_sets"), v);
    if (everywhere) add_distinct(out, v);
  }
  return out;
}

Value setsubtract(Args args) {
  const Tuple& remove = tuple_arg(args, 1, "b");
  Tuple out;
  for (const Value& v : tuple_arg(args, 0, "a"))
    if (!has(remove, v)) add_distinct(out, v);
  return out;
}

// Every combination taking one element from each argument, the first
// argument varying slowest: setproduct(["a", "b"], [1, 2]) gives
// [["a", 1], ["a", 2], ["b", 1], ["b", 2]].
Value setproduct(Args args) {
  if (args.size() < 2) fail_call("at least two arguments are required");
  // A bound keeps a configuration from asking for billions of combinations.
  constexpr size_t kMaxRows = 100000;
  Tuple rows{Tuple{}};
  for (size_t i = 0; i < args.size(); ++i) {
    if (rows.size() * tuple_arg(args, i, "sets").size() > kMaxRows)
      fail_call("the product would have more than 100000 elements");
    Tuple next;
    for (const Value& row : rows) {
      for (const Value& v : tuple_arg(args, i, "sets")) {
        Tuple extended = row.as_tuple();
        extended.push_back(v);
        step(extended.size());
        next.emplace_back(std::move(extended));
      }
    }
    rows = std::move(next);
  }
  return rows;
}

}  // namespace

std::vector<Function> set_functions() {
  return {
      {"setunion", 1, -1, "setunion(first_set, other_sets...)", setunion},
      {"setintersection", 1, -1, "setintersection(first_set, other_sets...)", setintersection},
      {"setsubtract", 2, 2, "setsubtract(a, b)", setsubtract},
      {"setproduct", 0, -1, "setproduct(sets...)", setproduct},
  };
}

}  // namespace hcl::fn
