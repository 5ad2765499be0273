// Matrix expansion and the evaluation of one pipeline instance.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/evaluator.h"
#include "config/matrix_lists.h"

namespace config {

// Every combination of the pipeline's matrix, the first axis varying
// slowest (compiler=[gcc,clang] × mode=[debug,release]: gcc/debug,
// gcc/release, clang/debug, clang/release), less those `exclude` leaves
// out, then those `include` adds (see apply_exclude_include). Without a
// matrix, one empty combination. nullopt after reporting a bad axis or list.
std::optional<Expansion> expand_matrix(const Pipeline& pipeline, Evaluator& evaluator);

// "test (gcc, debug)" for a combination, "test" without one.
std::string instance_name(const std::string& base_name, const Combination& combination);

// The pipeline evaluated for one combination: everything but depends_on,
// which the planner resolves across pipelines (and the pipeline index of
// needs_artifacts' sources, which it sets when it places the instance). A stage or execution whose
// `when` is false gets its skip_reason, quoting the condition; so do the
// executions of a skipped stage, and a stage whose executions all are.
// nullopt after errors.
std::optional<core::PipelineSpec> instantiate(const Pipeline& pipeline, const Combination& combination,
                                              const EvaluationContext& context, hcl::Diagnostics& diags);

}  // namespace config
