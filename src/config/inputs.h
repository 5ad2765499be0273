// The `input` blocks of a configuration: evaluating their declarations, and
// the values `input.*` takes for an event. resolve_inputs() (config.h) checks
// the values a manual run is given.
#pragma once

#include <set>

#include "config/config.h"
#include "config/evaluator.h"

namespace config {

// Evaluates each input's type, options, default and description (constants)
// into its fields, reporting what is wrong at the attribute: an unknown type,
// options of a bool or of the wrong type, a default of the wrong type or not
// among the options. `skip` holds expressions already reported. Throws
// OutOfBudget as Evaluator does.
void evaluate_inputs(Configuration& cfg, const std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags,
                     hcl::Budget& budget);

// `input` for `event`: a manual event's resolved inputs; for other events,
// and for inputs a manual event lacks, the defaults, or the empty value of
// the input's type ("", 0, false, or its first option) for an input without
// one. Typed: a number input is an HCL number, a bool input a bool.
hcl::Object input_values(const Configuration& cfg, const core::Event& event);

// Reports resolve_inputs()'s problems with a manual event's inputs, each at
// the input's block when there is one. Returns whether there were any.
bool report_input_problems(const Configuration& cfg, const core::Event& event, hcl::Diagnostics& diags);

}  // namespace config
