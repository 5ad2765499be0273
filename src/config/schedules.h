// The values of a configuration's `schedule` blocks.
#pragma once

#include <set>

#include "config/config.h"

namespace config {

// Evaluates each schedule's attributes, which are constants, and checks
// them and the name: a valid cron expression ("cron \"0 25 * * *\": hour 25 is out of
// range 0-23"), a zone of the zoneinfo database, an acceptable branch name.
// Sets the values of the schedules that pass; reports the others. `skip`
// holds expressions already reported.
void evaluate_schedules(Configuration& cfg, const std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags,
                        hcl::Budget& budget);

}  // namespace config
