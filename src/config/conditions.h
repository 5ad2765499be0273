// Evaluating what decides whether and when a pipeline runs: its filter and
// its depends_on list.
#pragma once

#include <optional>
#include <vector>

#include "config/evaluator.h"
#include "config/filter.h"

namespace config {

// The filter's lists, checked: known event names, valid glob patterns.
// nullopt after reporting an error.
std::optional<CompiledFilter> evaluate_filter(const Filter& filter, Evaluator& evaluator);

// The indices in cfg.pipelines of the pipelines `pipeline` depends on; an
// unknown name is an error with a "did you mean". nullopt after errors.
std::optional<std::vector<size_t>> evaluate_depends_on(const Configuration& cfg, const Pipeline& pipeline,
                                                       Evaluator& evaluator);

}  // namespace config
