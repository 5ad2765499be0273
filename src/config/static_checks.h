// Checks made before any evaluation: what each expression refers to, and
// the order of the locals.
#pragma once

#include <set>

#include "config/config.h"

namespace config {

// Reports references to undeclared variables, locals, event or repo fields
// and matrix axes, `matrix` outside a matrix pipeline's instance attributes,
// unknown services and `service` outside the executions of a pipeline with services,
// and references in variable defaults, input declarations and schedules
// (constants). Returns the expressions with errors, so that evaluation
// leaves them alone.
std::set<const hcl::Expr*> check_references(const Configuration& cfg, hcl::Diagnostics& diags);

// Sorts cfg.locals so that each comes after the locals it uses; a cycle is
// reported ("local.a → local.b → local.a") and the locals caught in it go
// last, their expressions added to `skip`.
void order_locals(Configuration& cfg, std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags);

}  // namespace config
