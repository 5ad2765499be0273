#include "runner/reporter.h"

namespace runner {

Reporter::Reporter(const core::Plan& plan, Observer& observer) : observer_(observer) {
  for (const auto& pipeline : plan.pipelines) {
    auto& pipeline_result = result_.pipelines.emplace_back();
    pipeline_result.services.resize(pipeline.services.size());
    for (const auto& stage : pipeline.stages)
      pipeline_result.stages.emplace_back().executions.resize(stage.executions.size());
  }
}

void Reporter::update_pipeline(std::size_t pipeline,
                               const std::function<void(PipelineResult&)>& change) {
  std::lock_guard lock(mutex_);
  auto& result = result_.pipelines[pipeline];
  change(result);
  observer_.pipeline_changed(pipeline, result);
}

void Reporter::update_stage(std::size_t pipeline, std::size_t stage,
                            const std::function<void(StageResult&)>& change) {
  std::lock_guard lock(mutex_);
  auto& result = result_.pipelines[pipeline].stages[stage];
  change(result);
  observer_.stage_changed(pipeline, stage, result);
}

void Reporter::update_execution(ExecutionId id, const std::function<void(ExecutionResult&)>& change) {
  std::lock_guard lock(mutex_);
  auto& result = result_.pipelines[id.pipeline].stages[id.stage].executions[id.execution];
  change(result);
  observer_.execution_changed(id, result);
}

void Reporter::update_service(std::size_t pipeline, std::size_t service,
                              const std::function<void(ExecutionResult&)>& change) {
  std::lock_guard lock(mutex_);
  auto& result = result_.pipelines[pipeline].services[service];
  change(result);
  observer_.service_changed(pipeline, service, result);
}

void Reporter::output(const OutputLines& output) {
  std::lock_guard lock(mutex_);
  observer_.output(output);
}

void Reporter::mark_not_run(std::size_t pipeline, std::size_t first_stage, core::Status status) {
  std::lock_guard lock(mutex_);
  auto& services = result_.pipelines[pipeline].services;
  for (std::size_t s = 0; s < services.size() && first_stage == 0; ++s) {
    if (services[s].status != core::Status::Queued) continue;  // it started, and ended as it did
    services[s].status = status;
    observer_.service_changed(pipeline, s, services[s]);
  }
  auto& stages = result_.pipelines[pipeline].stages;
  for (std::size_t s = first_stage; s < stages.size(); ++s) {
    for (std::size_t e = 0; e < stages[s].executions.size(); ++e) {
      stages[s].executions[e].status = status;
      observer_.execution_changed({pipeline, s, e}, stages[s].executions[e]);
    }
    stages[s].status = status;
    observer_.stage_changed(pipeline, s, stages[s]);
  }
}

core::Status Reporter::pipeline_status(std::size_t pipeline) const {
  std::lock_guard lock(mutex_);
  return result_.pipelines[pipeline].status;
}

StageResult Reporter::stage(std::size_t pipeline, std::size_t stage) const {
  std::lock_guard lock(mutex_);
  return result_.pipelines[pipeline].stages[stage];
}

RunResult Reporter::snapshot() const {
  std::lock_guard lock(mutex_);
  return result_;
}

}  // namespace runner
