#include "config/instance.h"

#include <algorithm>

#include "config/kept_files.h"
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

void report_too_large(const Pipeline& pipeline, const Origin& origin, Evaluator& evaluator) {
  report(evaluator.diagnostics(), origin, "Matrix of pipeline \"" + pipeline.name + "\" is too large",
         "It expands to more than " + std::to_string(kMaxInstances) + " instances.");
}

}  // namespace

std::optional<Expansion> expand_matrix(const Pipeline& pipeline, Evaluator& evaluator) {
  std::vector<Combination> combinations{{}};
  if (pipeline.matrix.empty()) return Expansion{std::move(combinations), {}};
  std::vector<hcl::Tuple> values_of_axes;
  for (const auto& axis : pipeline.matrix) {
    auto values = axis_values(axis, evaluator);
    if (!values) return std::nullopt;
    // Checked before expanding: an axis of 100,000 values would expand first.
    if (combinations.size() * values->size() > kMaxInstances) {
      report_too_large(pipeline, axis.origin, evaluator);
      return std::nullopt;
    }
    std::vector<Combination> next;
    for (const auto& prefix : combinations)
      for (const auto& value : *values) {
        next.push_back(prefix);
        next.back().emplace_back(axis.name, value);
      }
    combinations = std::move(next);
    values_of_axes.push_back(std::move(*values));
  }
  auto expansion = apply_exclude_include(pipeline, values_of_axes, std::move(combinations), evaluator);
  if (expansion && expansion->combinations.size() > kMaxInstances) {
    report_too_large(pipeline, pipeline.matrix_include.origin(), evaluator);
    return std::nullopt;
  }
  return expansion;
}

std::string instance_name(const std::string& base_name, const Combination& combination) {
  if (combination.empty()) return base_name;
  std::string name = base_name + " (";
  for (size_t i = 0; i < combination.size(); ++i) name += (i ? ", " : "") + value_text(combination[i].second);
  return name + ")";
}

namespace {

// Past this a condition is cut in a skip reason: the reason is for people.
constexpr size_t kMaxConditionText = 200;

// The condition as written, on one line: runs of white space become one
// space, and a long one is cut (at a character's start) with "…". Reads no
// further than it keeps: a condition may be megabytes long.
std::string condition_text(const Expression& condition) {
  std::string text;
  for (char c : condition.file->slice(condition.expr->span)) {
    if (text.size() > kMaxConditionText) break;
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space)
      text += c;
    else if (!text.empty() && text.back() != ' ')
      text += ' ';
  }
  if (text.size() <= kMaxConditionText) return text;
  size_t cut = kMaxConditionText;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

// "when: event.branch == \"main\" is false"; empty when the condition holds,
// is not given or could not be evaluated (reported).
std::string when_false(const Expression& when, Evaluator& evaluator) {
  if (!when.given()) return {};
  auto holds = evaluator.boolean(when, "when");
  if (!holds || *holds) return {};
  return "when: " + condition_text(when) + " is false";
}

// A skipped stage skips its executions, each with its own reason if it has
// one; a stage whose every execution is skipped is skipped.
void settle_skips(core::StageSpec& stage) {
  if (!stage.skip_reason.empty()) {
    for (auto& execution : stage.executions)
      if (execution.skip_reason.empty()) execution.skip_reason = stage.skip_reason;
    return;
  }
  const bool all = std::all_of(stage.executions.begin(), stage.executions.end(),
                               [](const core::ExecutionSpec& e) { return !e.skip_reason.empty(); });
  if (all && !stage.executions.empty()) stage.skip_reason = "every execution is skipped";
}

core::ExecutionSpec execution(const Execution& e, const core::PipelineSpec& pipeline, const core::Env& pipeline_env,
                              const std::vector<core::CacheSpec>& pipeline_caches, Evaluator& evaluator) {
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
  spec.skip_reason = when_false(e.when, evaluator);
  spec.caches = merge_caches(pipeline_caches, evaluate_caches(e.caches, evaluator), e, evaluator);
  evaluate_artifacts(e, evaluator, spec);
  evaluate_reports(e, evaluator, spec);
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
  for (const auto& [axis, value] : combination) spec.matrix[axis] = value_text(value);
  if (pipeline.timeout.given()) spec.timeout = evaluator.duration(pipeline.timeout, "timeout").value_or(spec.timeout);
  const std::optional<bool> shared = shared_workspace(pipeline, evaluator);
  spec.shared_workspace = shared.value_or(false);
  core::Env env = pipeline.env.given() ? evaluator.env(pipeline.env).value_or(core::Env{}) : core::Env{};
  const std::vector<core::CacheSpec> caches = evaluate_caches(pipeline.caches, evaluator);
  const bool gate_ok = read_gate(pipeline, evaluator, spec);
  spec.services = evaluate_services(pipeline, evaluator);
  // The evaluator holds the scope by reference: executions see `service`.
  if (!spec.services.empty()) scope.variables["service"] = service_values(spec.services);
  for (const auto& stage : pipeline.stages) {
    core::StageSpec stage_spec{stage.name, {}, when_false(stage.when, evaluator)};
    for (const auto& e : stage.executions)
      stage_spec.executions.push_back(execution(e, spec, env, caches, evaluator));
    settle_skips(stage_spec);
    spec.stages.push_back(std::move(stage_spec));
  }
  resolve_needs_artifacts(pipeline, evaluator, spec);
  if (evaluator.failed() || !shared || !gate_ok) return std::nullopt;
  return spec;
}

}  // namespace config
