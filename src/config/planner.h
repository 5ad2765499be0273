// The steps of plan() that validation reuses with a representative event.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/evaluator.h"

namespace config {

// One pipeline block evaluated for one event.
struct EvaluatedPipeline {
  std::optional<std::string> rejection;  // why its filter rejects the event
  std::vector<size_t> depends_on;        // indices in cfg.pipelines
  std::vector<core::PipelineSpec> instances;
  std::vector<core::SkippedPipeline> excluded;  // matrix combinations `exclude` left out, by instance name
  bool failed = false;                   // an error was reported
};

// Evaluates every pipeline's filter and depends_on for `event`, and the
// instances of the pipelines whose filter holds, or of all of them when
// `only_selected` is false (validation).
std::vector<EvaluatedPipeline> evaluate_pipelines(const Configuration& cfg, const EvaluationContext& context,
                                                  const core::Event& event, bool only_selected,
                                                  hcl::Diagnostics& diags);

// Orders the pipelines by dependency. Every cycle is reported
// ("a → b → a") and its pipelines are left out of the returned order.
std::vector<size_t> order_pipelines(const Configuration& cfg, const std::vector<EvaluatedPipeline>& evaluated,
                                    hcl::Diagnostics& diags);

}  // namespace config
