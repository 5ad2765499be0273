#include "api/rerun.h"

#include <algorithm>
#include <map>

namespace api {

namespace {

bool failed(core::Status status) {
  return status == core::Status::Failure || status == core::Status::Error || status == core::Status::Cancelled;
}

// For each pipeline that runs again, the first of its stages that runs
// again whole: the one after the first stage with an execution asked for,
// or 0 for a pipeline that depends on one that runs again.
std::map<std::string, std::size_t> stages_run_again(const store::WorkflowTree& earlier,
                                                     const std::set<std::string>& asked) {
  std::map<std::string, std::size_t> first_whole;
  for (const store::Pipeline& pipeline : earlier.pipelines)
    for (std::size_t s = 0; s < pipeline.stages.size(); ++s)
      for (const store::Execution& execution : pipeline.stages[s].executions)
        if (asked.contains(execution.id)) first_whole.try_emplace(pipeline.name, s + 1);
  // Dependencies usually come first, but the tree does not promise it.
  for (bool grew = true; grew;) {
    grew = false;
    for (const store::Pipeline& pipeline : earlier.pipelines)
      for (const std::string& dependency : pipeline.depends_on) {
        if (!first_whole.contains(dependency)) continue;
        auto [stage, added] = first_whole.try_emplace(pipeline.name, 0);
        if (added || stage->second != 0) grew = true;
        stage->second = 0;
      }
  }
  return first_whole;
}

}  // namespace

std::set<std::string> failed_executions(const store::WorkflowTree& earlier) {
  std::set<std::string> ids;
  for (const store::Pipeline& pipeline : earlier.pipelines)
    for (const store::Stage& stage : pipeline.stages)
      for (const store::Execution& execution : stage.executions)
        if (failed(execution.status)) ids.insert(execution.id);
  return ids;
}

std::vector<std::string> kept_executions(const store::WorkflowTree& earlier, const std::set<std::string>& asked,
                                         bool successes_only) {
  const std::map<std::string, std::size_t> first_whole = stages_run_again(earlier, asked);
  std::vector<std::string> kept;
  for (const store::Pipeline& pipeline : earlier.pipelines) {
    const auto found = first_whole.find(pipeline.name);
    const std::size_t end = std::min(pipeline.stages.size(), found == first_whole.end() ? pipeline.stages.size()
                                                                                        : found->second);
    // A pipeline's services (recorded as a first stage named "services")
    // start whenever it runs: they are never kept. A plain first stage of
    // that name merely runs again.
    const std::size_t first = !pipeline.stages.empty() && pipeline.stages[0].name == "services" ? 1 : 0;
    for (std::size_t s = first; s < end; ++s)
      for (const store::Execution& execution : pipeline.stages[s].executions)
        if (!asked.contains(execution.id) && core::is_final(execution.status) &&
            (!successes_only || execution.status == core::Status::Success))
          kept.push_back(execution.id);
  }
  return kept;
}

}  // namespace api
