#include "config/context.h"

#include "config/inputs.h"
#include "config/references.h"

namespace config {

hcl::Value event_value(const core::Event& event) {
  hcl::Tuple changed(event.changed_paths.begin(), event.changed_paths.end());
  return hcl::Object{{"name", event.name},
                     {"branch", event.branch},
                     {"target_branch", event.target_branch},
                     {"tag", event.tag},
                     {"sha", event.sha},
                     {"changed_paths", std::move(changed)},
                     {"schedule", event.schedule}};
}

hcl::Value repo_value(const core::Repository& repo) {
  return hcl::Object{{"owner", repo.owner}, {"name", repo.name}, {"url", repo.url}};
}

const std::vector<std::string>& event_fields() {
  static const std::vector<std::string> fields{"name",          "branch", "target_branch", "tag", "sha",
                                               "changed_paths", "schedule"};
  return fields;
}

const std::vector<std::string>& repo_fields() {
  static const std::vector<std::string> fields{"owner", "name", "url"};
  return fields;
}

namespace {

// Defaults are constant expressions: only functions are in scope.
hcl::Object variable_values(const Configuration& cfg, EvaluationContext& context, hcl::Diagnostics& diags) {
  hcl::Scope constants;
  Evaluator evaluator(context, constants, diags);
  hcl::Object values;
  for (const auto& variable : cfg.variables) values[variable.name] = evaluator.value(variable.default_value).value_or(hcl::Value());
  return values;
}

// The locals computed so far that `e` refers to. Giving each local only
// these, not a copy of all, keeps many locals linear instead of quadratic.
hcl::Object locals_used(const Expression& e, const hcl::Object& computed) {
  hcl::Object used;
  for (const auto& ref : references(*e.expr, *e.file)) {
    if (ref.root != "local") continue;
    if (ref.attribute.empty()) return computed;  // `local[...]`: the whole object
    if (auto it = computed.find(ref.attribute); it != computed.end()) used.insert(*it);
  }
  return used;
}

}  // namespace

EvaluationContext make_context(const Configuration& cfg, const core::Event& event, const core::Repository& repo,
                               std::set<const hcl::Expr*> skip, hcl::Diagnostics& diags, hcl::Budget& budget,
                               FileHasher files) {
  EvaluationContext context;
  context.budget = &budget;
  context.skip = std::move(skip);
  context.functions = configuration_functions(std::make_shared<FileHasher>(std::move(files)));
  context.scope.functions = context.functions.get();
  context.scope.variables["var"] = variable_values(cfg, context, diags);
  context.scope.variables["input"] = input_values(cfg, event);
  context.scope.variables["event"] = event_value(event);
  context.scope.variables["repo"] = repo_value(repo);
  hcl::Object locals;
  for (const auto& local : cfg.locals) {
    context.scope.variables["local"] = locals_used(local.value, locals);
    Evaluator evaluator(context, context.scope, diags);
    if (auto value = evaluator.value(local.value))
      locals[local.name] = std::move(*value);
    else
      context.failed_locals.insert(local.name);
  }
  context.scope.variables["local"] = std::move(locals);
  return context;
}

}  // namespace config
