// What a rerun of part of a finished workflow runs again and what it keeps
// (docs/api.md, "Re-running part of a workflow"), decided from the earlier
// workflow's tree when the rerun is asked for. Pure functions; safe from any
// thread.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "store/store.h"

namespace api {

// The executions that ended failure, error or cancelled (a timeout is a
// failure): allow_failure ones too, since their red is what people re-run.
std::set<std::string> failed_executions(const store::WorkflowTree& earlier);

// The executions of `earlier` a rerun keeps, given the ones asked for
// (`asked`, ids of its tree). Runs again: those asked for, every later stage
// of their pipelines, and every pipeline that depends on one of theirs,
// directly or not. Kept: every other execution with a final status, or with
// `successes_only` every other that succeeded (the rest runs again too); never
// a pipeline's services, which start whenever it runs.
std::vector<std::string> kept_executions(const store::WorkflowTree& earlier, const std::set<std::string>& asked,
                                         bool successes_only);

}  // namespace api
