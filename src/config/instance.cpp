#include "config/instance.h"

#include <algorithm>

#include "config/messages.h"
#include "config/service.h"

namespace config {

namespace {

// Past this a matrix is almost certainly a mistake, and would swamp agents.
constexpr size_t kMaxInstances = 256;

std::optional<std::vector<hcl::Value>> axis_values(const MatrixAxis& axis, Evaluator& evaluator) {
  auto v = evaluator.value(axis.values);
  if (!v) return std::nullopt;
  if (v->type() != hcl::Type::Tuple || v->length() == 0) {
    report(evaluator.diagnostics(), axis.values.origin(), "Matrix axis \"" + axis.name + "\" must be a non-empty list",
           "Write the values the axis takes, e.g. " + axis.name + " = [\"a\", \"b\"].");
    return std::nullopt;
  }
  const hcl::Tuple& values = v->as_tuple();
  for (size_t i = 0; i < values.size(); ++i)
    if (!hcl::to_string_value(values[i])) {
      report(evaluator.diagnostics(), element_origin(axis.values, i),
             "Value of matrix axis \"" + axis.name + "\" must be a string, number or bool",
             "Instances are named after their values, so each must have a text form.");
      return std::nullopt;
    }
  return values;
}

std::string text(const hcl::Value& v) { return hcl::to_string_value(v).value_or(""); }

}  // namespace

std::optional<std::vector<Combination>> expand_matrix(const Pipeline& pipeline, Evaluator& evaluator) {
  std::vector<Combination> combinations{{}};
  for (const auto& axis : pipeline.matrix) {
    auto values = axis_values(axis, evaluator);
    if (!values) return std::nullopt;
    // Checked before expanding: an axis of 100,000 values would expand first.
    if (combinations.size() * values->size() > kMaxInstances) {
      report(evaluator.diagnostics(), axis.origin, "Matrix of pipeline \"" + pipeline.name + "\" is too large",
             "It expands to more than " + std::to_string(kMaxInstances) + " instances.");
      return std::nullopt;
    }
    std::vector<Combination> next;
    for (const auto& prefix : combinations)
      for (const auto& value : *values) {
        next.push_back(prefix);
        next.back().emplace_back(axis.name, value);
      }
    combinations = std::move(next);
  }
  return combinations;
}

std::string instance_name(const std::string& base_name, const Combination& combination) {
  if (combination.empty()) return base_name;
  std::string name = base_name + " (";
  for (size_t i = 0; i < combination.size(); ++i) name += (i ? ", " : "") + text(combination[i].second);
  return name + ")";
}

namespace {

core::ExecutionSpec execution(const Execution& e, const core::PipelineSpec& pipeline,
                                             const core::Env& pipeline_env, Evaluator& evaluator) {
  core::ExecutionSpec spec;
  spec.name = e.name;
  spec.run = evaluator.string(e.run, "run").value_or("");
  if (e.image.given()) spec.image = evaluator.string(e.image, "image").value_or("");
  spec.env = pipeline_env;
  if (e.env.given())
    for (auto& [name, value] : evaluator.env(e.env).value_or(core::Env{})) spec.env[name] = value;
  spec.timeout = e.timeout.given() ? evaluator.duration(e.timeout, "timeout").value_or(pipeline.timeout) : pipeline.timeout;
  if (e.retry.given()) spec.retry = evaluator.count(e.retry, "retry").value_or(0);
  if (e.allow_failure.given()) spec.allow_failure = evaluator.boolean(e.allow_failure, "allow_failure").value_or(false);
  return spec;
}

// The gate's attributes (docs/configuration.md#concurrency-and-environments);
// false after reporting a group or environment the server could not keep.
bool read_gate(const Pipeline& pipeline, Evaluator& evaluator, core::PipelineSpec& spec) {
  if (pipeline.concurrency.given())
    spec.concurrency = evaluator.string(pipeline.concurrency, "concurrency").value_or("");
  if (pipeline.cancel_in_progress.given())
    spec.cancel_in_progress = evaluator.boolean(pipeline.cancel_in_progress, "cancel_in_progress").value_or(false);
  if (pipeline.environment.given())
    spec.environment = evaluator.string(pipeline.environment, "environment").value_or("");
  bool ok = true;
  if (pipeline.concurrency.given() && !evaluator.failed()) {
    const bool printable =
        std::ranges::none_of(spec.concurrency, [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    if (spec.concurrency.empty() || spec.concurrency.size() > core::kMaxGateName || !printable) {
      report(evaluator.diagnostics(), pipeline.concurrency.origin(),
             "Concurrency group \"" + spec.concurrency.substr(0, 80) + "\" is not a group name",
             "A group is 1 to " + std::to_string(core::kMaxGateName) +
                 " bytes without control characters, e.g. concurrency = \"deploy-${event.branch}\".");
      ok = false;
    }
  }
  if (pipeline.environment.given() && !evaluator.failed() && !core::is_environment_name(spec.environment)) {
    report(evaluator.diagnostics(), pipeline.environment.origin(),
           "Environment \"" + spec.environment.substr(0, 80) + "\" is not an environment name",
           "An environment's name is 1 to " + std::to_string(core::kMaxEnvironmentName) +
               " letters, digits, '.', '_' and '-', e.g. environment = \"production\".");
    ok = false;
  }
  return ok;
}

// `workspace`: whether the executions of an instance share one workspace;
// nullopt after reporting a value that is neither mode.
std::optional<bool> shared_workspace(const Pipeline& pipeline, Evaluator& evaluator) {
  if (!pipeline.workspace.given()) return false;
  auto mode = evaluator.string(pipeline.workspace, "workspace");
  if (!mode) return std::nullopt;
  if (*mode == "isolated" || *mode == "shared") return *mode == "shared";
  report(evaluator.diagnostics(), pipeline.workspace.origin(), "Unknown workspace \"" + *mode + "\"",
         "workspace is \"isolated\" (the default: each execution starts from a copy of the commit of its own) or "
         "\"shared\" (the stages and executions of each pipeline instance share one)." +
             did_you_mean(*mode, {"isolated", "shared"}));
  return std::nullopt;
}

}  // namespace

std::optional<core::PipelineSpec> instantiate(const Pipeline& pipeline, const Combination& combination,
                                              const EvaluationContext& context, hcl::Diagnostics& diags) {
  hcl::Scope scope{{}, context.scope.functions, &context.scope};
  hcl::Object matrix;
  for (const auto& [axis, value] : combination) matrix[axis] = value;
  if (!pipeline.matrix.empty()) scope.variables["matrix"] = std::move(matrix);
  Evaluator evaluator(context, scope, diags);

  core::PipelineSpec spec;
  spec.name = instance_name(pipeline.name, combination);
  spec.base_name = pipeline.name;
  for (const auto& [axis, value] : combination) spec.matrix[axis] = text(value);
  if (pipeline.timeout.given()) spec.timeout = evaluator.duration(pipeline.timeout, "timeout").value_or(spec.timeout);
  const std::optional<bool> shared = shared_workspace(pipeline, evaluator);
  spec.shared_workspace = shared.value_or(false);
  core::Env env = pipeline.env.given() ? evaluator.env(pipeline.env).value_or(core::Env{}) : core::Env{};
  const bool gate_ok = read_gate(pipeline, evaluator, spec);
  spec.services = evaluate_services(pipeline, evaluator);
  // The evaluator holds the scope by reference: executions see `service`.
  if (!spec.services.empty()) scope.variables["service"] = service_values(spec.services);
  for (const auto& stage : pipeline.stages) {
    core::StageSpec stage_spec{stage.name, {}};
    for (const auto& e : stage.executions)
      stage_spec.executions.push_back(execution(e, spec, env, evaluator));
    spec.stages.push_back(std::move(stage_spec));
  }
  if (evaluator.failed() || !shared || !gate_ok) return std::nullopt;
  return spec;
}

}  // namespace config
