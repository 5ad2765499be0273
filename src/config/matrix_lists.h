// A matrix's `exclude` and `include` lists (docs/configuration.md, "Matrix"):
// read, checked against the axes, and applied to the combinations of the
// axes' values.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/evaluator.h"

namespace config {

// One value per axis, in the order the axes are written.
using Combination = std::vector<std::pair<std::string, hcl::Value>>;

// A combination that an exclude entry left out, and why, quoting the entry:
// `excluded by { compiler = "clang", build = "debug" }`.
struct Excluded {
  Combination combination;
  std::string reason;
};

struct Expansion {
  std::vector<Combination> combinations;  // the instances to make, in order
  std::vector<Excluded> excluded;         // in the order of the axes' combinations
};

// The text an instance is named with: `gcc`, `17`, `true`.
std::string value_text(const hcl::Value& value);

// Leaves out of `product` (every combination of the axes' values, which
// `axis_values` holds in the order of pipeline.matrix) those an exclude
// entry matches (an entry names some axes; a combination matches when it
// has each value named), then appends the include entries, each a whole
// combination; an include brings back a combination exclude left out.
// Reported at the entry, its key or its value: an entry that is not an
// object, names an unknown axis or has a value without a text form; an
// exclude value its axis does not take; excludes that leave no combination;
// an include entry without every axis, or one the matrix already has.
// nullopt after errors.
std::optional<Expansion> apply_exclude_include(const Pipeline& pipeline, const std::vector<hcl::Tuple>& axis_values,
                                               std::vector<Combination> product, Evaluator& evaluator);

}  // namespace config
