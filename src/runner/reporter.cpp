#include "runner/reporter.h"

namespace runner {

Reporter::Reporter(const core::Plan& plan, Observer& observer) : plan_(plan), observer_(observer) {
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
  for (std::size_t s = first_stage; s < result_.pipelines[pipeline].stages.size(); ++s) mark_stage(pipeline, s, status);
}

void Reporter::skip_stage(std::size_t pipeline, std::size_t stage) {
  std::lock_guard lock(mutex_);
  mark_stage(pipeline, stage, core::Status::Skipped);
}

void Reporter::mark_stage(std::size_t pipeline, std::size_t s, core::Status status) {
  const bool skipped = status == core::Status::Skipped;
  const core::StageSpec& spec = plan_.pipelines[pipeline].stages[s];
  auto& stage = result_.pipelines[pipeline].stages[s];
  for (std::size_t e = 0; e < stage.executions.size(); ++e) {
    stage.executions[e].status = status;
    if (skipped) stage.executions[e].skip_reason = spec.executions[e].skip_reason;
    observer_.execution_changed({pipeline, s, e}, stage.executions[e]);
  }
  stage.status = status;
  if (skipped) stage.skip_reason = spec.skip_reason;
  observer_.stage_changed(pipeline, s, stage);
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
