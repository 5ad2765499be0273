// Matrix expansion and the evaluation of one pipeline instance.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/evaluator.h"

namespace config {

// One value per axis, in the order the axes are written.
using Combination = std::vector<std::pair<std::string, hcl::Value>>;

// Every combination of the pipeline's matrix, the first axis varying
// slowest (compiler=[gcc,clang] × mode=[debug,release]: gcc/debug,
// gcc/release, clang/debug, clang/release). Without a matrix, one empty
// combination. nullopt after reporting a bad axis.
std::optional<std::vector<Combination>> expand_matrix(const Pipeline& pipeline, Evaluator& evaluator);

// "test (gcc, debug)" for a combination, "test" without one.
std::string instance_name(const std::string& base_name, const Combination& combination);

// The pipeline evaluated for one combination: everything but depends_on,
// which the planner resolves across pipelines. nullopt after errors.
std::optional<core::PipelineSpec> instantiate(const Pipeline& pipeline, const Combination& combination,
                                              const EvaluationContext& context, hcl::Diagnostics& diags);

}  // namespace config
