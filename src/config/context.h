// The root variables expressions see for one event: var, input, local, event, repo.
#pragma once

#include <set>

#include "config/config.h"
#include "config/evaluator.h"
#include "config/hashfiles.h"

namespace config {

hcl::Value event_value(const core::Event& event);
hcl::Value repo_value(const core::Repository& repo);

// The field names of `event` and `repo`, for checks and suggestions.
const std::vector<std::string>& event_fields();
const std::vector<std::string>& repo_fields();

// Evaluates the variables' defaults, then the locals in their order
// (cfg.locals lists dependencies first). A local that fails is left out and
// listed in failed_locals. `skip` holds expressions already reported.
// Evaluations through the context run under `budget`, which must outlive it,
// and call hashfiles() through `files`.
EvaluationContext make_context(const Configuration& cfg, const core::Event& event, const core::Repository& repo,
                               std::set<const hcl::Expr*> skip, hcl::Diagnostics& diags, hcl::Budget& budget,
                               FileHasher files);

}  // namespace config
