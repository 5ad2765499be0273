// What outlives an execution: its caches and its artifacts
// (docs/configuration.md#caches-and-artifacts), evaluated for one pipeline
// instance and checked. Every problem is reported at its place (the element
// of a list when the list is written out) and makes the evaluator fail.
//
//   - a cache's key and restore_keys are core::is_cache_key; its paths are a
//     non-empty list, each relative to the workspace or starting with "~/"
//     (the execution's home), never absolute or climbing out with "..";
//   - artifacts, and reports (test reports), are glob patterns relative to
//     the workspace, by the same rules; artifacts_when is "success",
//     "failure" or "always";
//   - needs_artifacts names executions of earlier stages of the pipeline
//     that keep artifacts: "exec", or "stage/exec" where two earlier stages
//     have an execution of that name.
// Counts and sizes are bounded as core/plan.h says.
#pragma once

#include <vector>

#include "config/evaluator.h"

namespace config {

// The caches of a pipeline or an execution, evaluated; a bad one is left out.
std::vector<core::CacheSpec> evaluate_caches(const std::vector<Cache>& caches, Evaluator& evaluator);

// An execution's caches: its pipeline's, each replaced by the execution's
// own of the same name, then the execution's others.
std::vector<core::CacheSpec> merge_caches(std::vector<core::CacheSpec> pipeline_caches,
                                          std::vector<core::CacheSpec> own, const Execution& e,
                                          Evaluator& evaluator);

// `artifacts` and `artifacts_when` of an execution, into `spec`.
void evaluate_artifacts(const Execution& e, Evaluator& evaluator, core::ExecutionSpec& spec);

// `reports` of an execution (glob patterns of its JUnit XML files), into `spec`.
void evaluate_reports(const Execution& e, Evaluator& evaluator, core::ExecutionSpec& spec);

// Resolves the needs_artifacts of every execution of an instance whose
// stages and executions `spec` holds in the pipeline's order (their
// artifacts evaluated). The sources' pipeline index is left 0: the planner
// sets it when it places the instance in the plan.
void resolve_needs_artifacts(const Pipeline& pipeline, Evaluator& evaluator, core::PipelineSpec& spec);

}  // namespace config
