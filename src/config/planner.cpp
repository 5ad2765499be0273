#include "config/planner.h"

#include <algorithm>

#include "config/conditions.h"
#include "config/context.h"
#include "config/graph.h"
#include "config/inputs.h"
#include "config/instance.h"
#include "config/messages.h"

namespace config {

namespace {

// Why the filter rejects the event, matched under the budget: a long glob
// against many changed paths takes time too.
std::optional<std::string> rejection(const Pipeline& pipeline, const CompiledFilter& filter, const core::Event& event,
                                     hcl::Budget& budget, hcl::Diagnostics& diags) {
  hcl::Budget::Use use(budget);
  try {
    return filter_rejection(filter, event);
  } catch (const hcl::LimitExceeded& limit) {
    report(diags, pipeline.filter.paths.given() ? pipeline.filter.paths.origin() : pipeline.origin, limit.summary,
           limit.detail);
    throw OutOfBudget{};
  }
}

}  // namespace

std::vector<EvaluatedPipeline> evaluate_pipelines(const Configuration& cfg, const EvaluationContext& context,
                                                  const core::Event& event, bool only_selected,
                                                  hcl::Diagnostics& diags) {
  std::vector<EvaluatedPipeline> result(cfg.pipelines.size());
  for (size_t i = 0; i < cfg.pipelines.size(); ++i) {
    const Pipeline& pipeline = cfg.pipelines[i];
    EvaluatedPipeline& out = result[i];
    Evaluator evaluator(context, context.scope, diags);
    auto filter = evaluate_filter(pipeline.filter, evaluator);
    if (filter) out.rejection = rejection(pipeline, *filter, event, *context.budget, diags);
    out.depends_on = evaluate_depends_on(cfg, pipeline, evaluator).value_or(std::vector<size_t>{});
    auto expansion = expand_matrix(pipeline, evaluator);
    out.failed = evaluator.failed() || !filter || !expansion;
    // Validation goes on past a bad filter to check the instances too.
    if (!expansion || (only_selected && (out.failed || out.rejection))) continue;
    for (const auto& excluded : expansion->excluded)
      out.excluded.push_back({instance_name(pipeline.name, excluded.combination), excluded.reason});
    for (const auto& combination : expansion->combinations) {
      auto instance = instantiate(pipeline, combination, context, diags);
      if (instance)
        out.instances.push_back(std::move(*instance));
      else
        out.failed = true;
    }
  }
  return result;
}

namespace {

void report_cycle(const Configuration& cfg, const std::vector<size_t>& cycle, hcl::Diagnostics& diags) {
  std::string path;
  for (size_t node : cycle) path += (path.empty() ? "" : " → ") + cfg.pipelines[node].name;
  report(diags, cfg.pipelines[cycle.front()].depends_on.origin(), "Dependency cycle: " + path,
         "Pipelines in a cycle would wait for each other forever; remove one of these depends_on entries.");
}

}  // namespace

std::vector<size_t> order_pipelines(const Configuration& cfg, const std::vector<EvaluatedPipeline>& evaluated,
                                    hcl::Diagnostics& diags) {
  std::vector<std::vector<size_t>> graph;
  for (const auto& p : evaluated) graph.push_back(p.depends_on);
  std::vector<bool> in_cycle(graph.size(), false);
  Ordering ordering = dependency_order(graph);
  // Report every cycle: break each at its last edge and look again.
  while (!ordering.cycle.empty()) {
    const std::vector<size_t>& cycle = ordering.cycle;
    report_cycle(cfg, cycle, diags);
    for (size_t node : cycle) in_cycle[node] = true;
    auto& edges = graph[cycle[cycle.size() - 2]];
    edges.erase(std::find(edges.begin(), edges.end(), cycle.back()));
    ordering = dependency_order(graph);
  }
  std::vector<size_t> order;
  for (size_t node : ordering.order)
    if (!in_cycle[node]) order.push_back(node);
  return order;
}

namespace {

// Why the pipeline does not run, or nullopt when it does: its own errors or
// filter, or a dependency that does not run (the dependant would otherwise
// start without what it waits for).
std::optional<std::string> skip_reason(const Configuration& cfg, const EvaluatedPipeline& p,
                                       const std::vector<std::optional<std::string>>& reasons) {
  if (p.failed) return "its configuration has errors for this event";
  if (p.rejection) return p.rejection;
  for (size_t dependency : p.depends_on)
    if (reasons[dependency])
      return "it depends on \"" + cfg.pipelines[dependency].name + "\", which does not run (" + *reasons[dependency] + ")";
  return std::nullopt;
}

// An instance's executions receive artifacts from its own earlier ones:
// their sources are where the instance is in the plan.
void place_sources(core::PipelineSpec& instance, size_t index) {
  for (auto& stage : instance.stages)
    for (auto& execution : stage.executions)
      for (auto& source : execution.needs_artifacts) source.pipeline = index;
}

}  // namespace

core::Plan plan(const Configuration& cfg, const core::Event& event, const core::Repository& repo,
                hcl::Diagnostics& diags) {
  hcl::Budget budget;
  return plan(cfg, event, repo, diags, budget);
}

core::Plan plan(const Configuration& cfg, const core::Event& event, const core::Repository& repo,
                hcl::Diagnostics& diags, hcl::Budget& budget, const std::filesystem::path& source_dir) {
  if (report_input_problems(cfg, event, diags)) return {};
  std::vector<EvaluatedPipeline> evaluated;
  try {
    EvaluationContext context =
        make_context(cfg, event, repo, {}, diags, budget, FileHasher::of_tree(source_dir));
    evaluated = evaluate_pipelines(cfg, context, event, true, diags);
  } catch (const OutOfBudget&) {
    return {};  // the limit is reported
  }
  std::vector<size_t> order = order_pipelines(cfg, evaluated, diags);

  const size_t n = cfg.pipelines.size();
  std::vector<std::optional<std::string>> reasons(n, "it is part of a dependency cycle");
  core::Plan plan;
  for (size_t i : order) {
    reasons[i] = skip_reason(cfg, evaluated[i], reasons);
    if (reasons[i]) continue;
    std::vector<std::string> dependencies;
    for (size_t dependency : evaluated[i].depends_on)
      for (const auto& instance : evaluated[dependency].instances) dependencies.push_back(instance.name);
    for (auto& instance : evaluated[i].instances) {
      instance.depends_on = dependencies;
      place_sources(instance, plan.pipelines.size());
      plan.pipelines.push_back(instance);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (reasons[i])
      plan.skipped.push_back({cfg.pipelines[i].name, *reasons[i]});
    else
      plan.skipped.insert(plan.skipped.end(), evaluated[i].excluded.begin(), evaluated[i].excluded.end());
  }
  return plan;
}

}  // namespace config
