#include "config/static_checks.h"

#include <algorithm>
#include <map>

#include "config/context.h"
#include "config/graph.h"
#include "config/messages.h"
#include "config/references.h"

namespace config {

namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// What expressions at one place may refer to.
struct Rules {
  bool constant = false;                          // variable defaults, schedules: nothing at all
  const std::vector<std::string>* axes = nullptr;  // matrix axes, when matrix is available
  std::string matrix_refusal;                     // why it is not, for the message
  const std::vector<std::string>* services = nullptr;  // service names, when service.* is available
  // Where constants are required, and why, for the message.
  std::string constant_place;
  std::string constant_reason;
};

// Rules for where nothing at all may be used.
Rules constants_only(std::string place,
                     std::string reason = "Declarations are constants; compute values in a locals block instead.") {
  Rules rules;
  rules.constant = true;
  rules.constant_place = std::move(place);
  rules.constant_reason = std::move(reason);
  return rules;
}

class ReferenceChecker {
  using Index = std::set<std::string, std::less<>>;

 public:
  ReferenceChecker(const Configuration& cfg, hcl::Diagnostics& diags) : diags_(diags) {
    for (const auto& v : cfg.variables) variables_.push_back(v.name);
    for (const auto& l : cfg.locals) locals_.push_back(l.name);
    for (const auto& i : cfg.inputs) inputs_.push_back(i.name);
    variable_index_.insert(variables_.begin(), variables_.end());
    local_index_.insert(locals_.begin(), locals_.end());
  }

  void check(const Expression& e, const Rules& rules) {
    if (!e.given()) return;
    bool ok = true;
    for (const auto& ref : references(*e.expr, *e.file)) ok = check(ref, e.file, rules) && ok;
    if (!ok) bad.insert(e.expr);
  }

  std::set<const hcl::Expr*> bad;

 private:
  bool check(const Reference& ref, const std::shared_ptr<const hcl::SourceFile>& file, const Rules& rules) {
    Origin origin{file, ref.span};
    std::string root(ref.root), attribute(ref.attribute);
    std::string full = attribute.empty() ? root : root + "." + attribute;
    if (rules.constant) return fail(origin, rules.constant_place + " cannot use " + full, rules.constant_reason);
    if (root == "matrix" && !rules.axes) return fail(origin, full + " is not available here", rules.matrix_refusal);
    if (root == "service" && !rules.services) return fail(origin, full + " is not available here", kServiceOnly);
    if (attribute.empty()) return known_root(root) || unknown_root(origin, root);
    if (root == "var") return field(origin, "variable", attribute, variables_, "Declare it: variable \"" + attribute + "\" { default = ... }.", &variable_index_);
    if (root == "input")
      return field(origin, "input", attribute, inputs_, "Declare it: input \"" + attribute + "\" { type = string }.");
    if (root == "local") return field(origin, "local", attribute, locals_, "Define it in a locals block.", &local_index_);
    if (root == "event") return field(origin, "event field", attribute, event_fields(), "The event's fields are " + join_names(event_fields()) + ".");
    if (root == "repo") return field(origin, "repo field", attribute, repo_fields(), "The repository's fields are " + join_names(repo_fields()) + ".");
    if (root == "matrix") return field(origin, "matrix axis", attribute, *rules.axes, "This pipeline's axes are " + join_names(*rules.axes) + ".");
    if (root == "service") return field(origin, "service", attribute, *rules.services, "This pipeline's services are " + join_names(*rules.services) + ".");
    return unknown_root(origin, root);
  }

  static bool known_root(const std::string& root) {
    return contains({"var", "input", "local", "event", "repo", "matrix", "service"}, root);
  }

  bool unknown_root(const Origin& origin, const std::string& root) {
    return fail(origin, "Unknown variable \"" + root + "\"",
                "Expressions can use var.*, input.*, local.*, event.*, repo.*, matrix.* in a matrix pipeline and "
                "service.* in the executions of a pipeline with services." +
                    did_you_mean(root, {"var", "input", "local", "event", "repo", "matrix", "service"}) +
                    shell_hint(root));
  }

  // What a shell variable or a secret looks like in HCL: "${HOME}" in a run
  // string is an HCL expression, not the shell's.
  static std::string shell_hint(const std::string& root) {
    if (root == "secrets")
      return " Secrets are not HCL values: they reach executions as environment variables, $NAME in a run "
             "string (docs/secrets.md).";
    const bool env_like = std::all_of(root.begin(), root.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!env_like) return {};
    return " For the shell's variable, write $" + root + " or $${" + root + "} (\"$${\" escapes \"${\" in HCL).";
  }

  // `index`, when given, holds `known` for a lookup that stays fast with
  // thousands of names.
  bool field(const Origin& origin, const std::string& kind, const std::string& name,
             const std::vector<std::string>& known, const std::string& help, const Index* index = nullptr) {
    if (index ? index->count(name) > 0 : contains(known, name)) return true;
    return fail(origin, "Unknown " + kind + " \"" + name + "\"", help + did_you_mean(name, known));
  }

  inline static const std::string kServiceOnly =
      "service.NAME.host and service.NAME.port are available in the executions of a pipeline with service blocks.";

  bool fail(const Origin& origin, std::string summary, std::string detail) {
    report(diags_, origin, std::move(summary), std::move(detail));
    return false;
  }

  hcl::Diagnostics& diags_;
  std::vector<std::string> variables_;
  std::vector<std::string> locals_;
  std::vector<std::string> inputs_;
  Index variable_index_;
  Index local_index_;
};

const std::string kMatrixOnlyInInstances =
    "matrix.* is available in a matrix pipeline's env, timeout, concurrency, environment, caches, stages and "
    "executions; filters, depends_on, matrix axes, exclude, include and locals are shared by all instances.";

void check_pipeline(const Pipeline& p, ReferenceChecker& checker) {
  Rules shared{false, nullptr, kMatrixOnlyInInstances};
  for (const Expression* e :
       {&p.filter.events, &p.filter.branches, &p.filter.tags, &p.filter.paths, &p.filter.schedules, &p.depends_on})
    checker.check(*e, shared);
  for (const auto& axis : p.matrix) checker.check(axis.values, shared);
  checker.check(p.matrix_exclude, shared);
  checker.check(p.matrix_include, shared);

  std::vector<std::string> axes;
  for (const auto& axis : p.matrix) axes.push_back(axis.name);
  Rules instance{false, p.matrix.empty() ? nullptr : &axes,
                 "Pipeline \"" + p.name + "\" has no matrix block; matrix.* exists only in a pipeline with one."};
  checker.check(p.env, instance);
  checker.check(p.timeout, instance);
  for (const Expression* e : {&p.concurrency, &p.cancel_in_progress, &p.environment}) checker.check(*e, instance);
  checker.check(p.workspace, instance);
  for (const auto& c : p.caches)
    for (const Expression* e : {&c.key, &c.paths, &c.restore_keys}) checker.check(*e, instance);
  std::vector<std::string> services;
  for (const auto& s : p.services) {
    services.push_back(s.name);
    for (const Expression* x : {&s.image, &s.command, &s.run, &s.env, &s.ports, &s.ready_port, &s.ready_run,
                                &s.ready_timeout})
      checker.check(*x, instance);
  }
  Rules execution = instance;
  if (!services.empty()) execution.services = &services;
  for (const auto& stage : p.stages) {
    checker.check(stage.when, instance);
    for (const auto& e : stage.executions) {
      for (const Expression* x : {&e.run, &e.image, &e.env, &e.timeout, &e.retry, &e.allow_failure, &e.when,
                                  &e.artifacts, &e.artifacts_when, &e.needs_artifacts, &e.reports})
        checker.check(*x, execution);
      for (const auto& c : e.caches)
        for (const Expression* x : {&c.key, &c.paths, &c.restore_keys}) checker.check(*x, execution);
    }
  }
}

}  // namespace

std::set<const hcl::Expr*> check_references(const Configuration& cfg, hcl::Diagnostics& diags) {
  ReferenceChecker checker(cfg, diags);
  for (const auto& v : cfg.variables) {
    checker.check(v.default_value, constants_only("A variable's default"));
    checker.check(v.description, constants_only("A variable's description"));
  }
  // An input's type is a keyword (type = string), read without evaluation.
  for (const auto& i : cfg.inputs)
    for (const Expression* e : {&i.options_expr, &i.default_expr, &i.description_expr})
      checker.check(*e, constants_only("An input's declaration"));
  Rules locals{false, nullptr, kMatrixOnlyInInstances};
  for (const auto& l : cfg.locals) checker.check(l.value, locals);
  for (const auto& p : cfg.pipelines) check_pipeline(p, checker);
  const Rules schedule = constants_only("A schedule's attribute",
                                       "The server reads schedules before there is any event, variable or local: "
                                       "write the values themselves.");
  for (const auto& s : cfg.schedules)
    for (const Expression* e : {&s.cron_expression, &s.branch_expression, &s.timezone_expression})
      checker.check(*e, schedule);
  return std::move(checker.bad);
}

void order_locals(Configuration& cfg, std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags) {
  std::map<std::string_view, std::vector<size_t>> named;  // duplicates are reported elsewhere
  for (size_t j = 0; j < cfg.locals.size(); ++j) named[cfg.locals[j].name].push_back(j);
  std::vector<std::vector<size_t>> graph(cfg.locals.size());
  for (size_t i = 0; i < cfg.locals.size(); ++i)
    for (const auto& ref : references(*cfg.locals[i].value.expr, *cfg.locals[i].value.file)) {
      if (ref.root != "local") continue;
      if (auto it = named.find(ref.attribute); it != named.end())
        graph[i].insert(graph[i].end(), it->second.begin(), it->second.end());
    }
  Ordering ordering = dependency_order(graph);
  if (!ordering.cycle.empty()) {
    std::string path;
    for (size_t node : ordering.cycle) path += (path.empty() ? "local." : " → local.") + cfg.locals[node].name;
    report(diags, cfg.locals[ordering.cycle.front()].origin, "Cycle among locals: " + path,
           "Each of these locals needs the next to be computed first; break the cycle.");
  }
  std::vector<bool> placed(cfg.locals.size(), false);
  std::vector<Local> sorted;
  for (size_t i : ordering.order) {
    sorted.push_back(cfg.locals[i]);
    placed[i] = true;
  }
  for (size_t i = 0; i < cfg.locals.size(); ++i)
    if (!placed[i]) {
      skip.insert(cfg.locals[i].value.expr);
      sorted.push_back(cfg.locals[i]);
    }
  cfg.locals = std::move(sorted);
}

}  // namespace config
