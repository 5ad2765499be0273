// The `.factory/` configuration of a repository: loading and planning.
//
// load() reads every `*.hcl` directly in `.factory/`, merges them in name
// order, decodes the schema (variable, input, locals, schedule, pipeline/
// filter/matrix/cache/service/stage/exec) and validates it as far as possible
// without a real event: unknown blocks and attributes, wrong types,
// duplicate names, unknown or cyclic dependencies, bad durations, bad cron
// expressions. Expressions that need the event are checked by
// evaluating them with a representative event (see docs/configuration.md).
// Every problem becomes a diagnostic with its exact place; load() returns
// nullopt when there was any error.
//
// plan() turns a valid Configuration plus an Event into a core::Plan: it
// selects the pipelines whose filters hold, expands matrices, evaluates every
// expression with var/input/local/event/repo/matrix, resolves depends_on to
// instance names and orders the pipelines so that dependencies come first.
// A manual event's inputs are resolve_inputs()'s, its problems diagnostics
// (and then nothing runs); any other event's inputs are their defaults, and
// an input without one is the empty value of its type ("", 0, false, or its
// first option).
//
// A configuration is untrusted input (whoever can push writes it): load()
// and plan() evaluate it under an hcl::Budget that bounds time, string and
// collection sizes and everything produced (see hcl/budget.h). The budget
// may be shared by a load() and the plan() after it; once it runs out, the
// limit is a diagnostic at the expression that ran it out and the call
// stops: load() returns nullopt, plan() an empty plan. The budget's cancel
// check stops them the same way. The overloads without a budget use the
// default limits and no deadline.
//
// A Configuration is immutable after load() and safe to share between
// threads; plan() only reads it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/plan.h"
#include "hcl/budget.h"
#include "hcl/diagnostics.h"
#include "hcl/parser.h"

namespace config {

// Where something was written, for diagnostics.
struct Origin {
  std::shared_ptr<const hcl::SourceFile> file;
  hcl::Span span;
};

// An expression kept for evaluation at plan time. `expr` is null when the
// attribute was not given.
struct Expression {
  const hcl::Expr* expr = nullptr;
  std::shared_ptr<const hcl::SourceFile> file;

  bool given() const { return expr != nullptr; }
  Origin origin() const { return {file, expr ? expr->span : hcl::Span{}}; }
};

struct Variable {
  std::string name;
  Expression default_value;  // constant expressions; not given: null
  Expression description;
  Origin origin;             // the block's label
};

// A value a manual run may be given: `input "NAME" { type, options,
// default, description }`, read as `input.NAME` (docs/configuration.md#input-name).
// Declarations are constants: decode_schema() keeps their expressions and
// load() evaluates them into the fields below them.
struct Input {
  enum class Type { String, Number, Bool };
  std::string name;
  Origin origin;  // the block's label
  Expression type_expr, options_expr, default_expr, description_expr;

  Type type = Type::String;
  std::vector<std::string> options;          // one-of: the values allowed, as text; empty: any of the type
  std::optional<std::string> default_value;  // as text; nullopt: a manual run must give it
  std::string description;
};

struct Local {
  std::string name;
  Expression value;
  Origin origin;  // the attribute's name
};

// Conditions a pipeline's event must meet; an attribute not given always holds.
struct Filter {
  Expression events;     // list of "push" | "pull_request" | "tag" | "manual" | "cron"
  Expression branches;   // glob list
  Expression tags;       // glob list
  Expression paths;      // glob list over the changed paths
  Expression schedules;  // glob list over the schedule's name (cron events)
};

struct MatrixAxis {
  std::string name;
  Expression values;  // a non-empty list
  Origin origin;
};

// A `cache` block of a pipeline or an execution (docs/configuration.md#cache-name).
struct Cache {
  std::string name;
  Origin origin;  // the block's label
  Expression key, paths, restore_keys;
};

struct Execution {
  std::string name;
  Origin origin;
  Expression run, image, env, timeout, retry, allow_failure;
  Expression when;  // a bool; false: the execution is skipped
  std::vector<Cache> caches;  // its own, in source order
  // Files kept after it ends (glob patterns), when ("success", "failure" or
  // "always"), and the executions of earlier stages whose files it receives.
  Expression artifacts, artifacts_when, needs_artifacts;
  Expression reports;  // glob patterns of its JUnit XML test reports
};

// A service block. The ready_* expressions come from its ready block.
struct Service {
  std::string name;
  Origin origin;
  Expression image, command, run, env, ports;
  Expression ready_port, ready_run, ready_timeout;
};

struct Stage {
  std::string name;
  Origin origin;
  std::vector<Execution> executions;
  Expression when = {};  // a bool; false: the stage is skipped
};

struct Pipeline {
  std::string name;
  Origin origin;
  Filter filter;
  std::vector<MatrixAxis> matrix;  // in source order; empty: no matrix
  // The matrix's lists of objects: partial combinations to leave out, whole
  // ones to add (docs/configuration.md, "Matrix").
  Expression matrix_exclude, matrix_include;
  Expression depends_on;           // list of pipeline names
  Expression env, timeout;
  // The pipeline gate (docs/configuration.md#concurrency-and-environments):
  // a concurrency group (a string), whether a newer pipeline of the group
  // cancels the running one, and the environment it deploys to.
  Expression concurrency, cancel_in_progress, environment;
  Expression workspace;            // "isolated" (not given) or "shared"
  std::vector<Cache> caches;       // every execution's, in source order
  std::vector<Service> services;   // in source order
  std::vector<Stage> stages;
};

// A `schedule` block: at each slot of `cron` in `timezone`, the server queues
// a workflow with event "cron" for the head of `branch`. Its attributes are
// constants; load() evaluates and checks them (cron syntax, a known zone, a
// branch name) and sets the values.
struct Schedule {
  std::string name;
  Origin origin;
  Expression cron_expression, branch_expression, timezone_expression;
  std::string cron, branch, timezone = "UTC";
};

struct Configuration {
  // Owns the syntax trees every Expression points into.
  std::shared_ptr<const hcl::FileSet> files;
  std::vector<Variable> variables;
  std::vector<Input> inputs;        // in source order
  std::vector<Local> locals;        // in evaluation order: dependencies first
  std::vector<Pipeline> pipelines;  // files in name order, then source order
  std::vector<Schedule> schedules;  // the same order
};

// How long loading and planning one configuration may take together, where
// it is untrusted (the agent, `factory lint`, `factory run`): a real
// configuration takes milliseconds.
inline constexpr std::chrono::milliseconds kPlanningTime{1000};

// The budget for loading and planning an untrusted configuration: the
// default limits, kPlanningTime from now, and `cancelled` (optional) polled
// to stop early.
hcl::Budget planning_budget(std::function<bool()> cancelled = {});

// Reads and validates `repo_dir/.factory/*.hcl`. A missing or empty
// `.factory/` directory is an error, and so are more than kMaxSourceBytes of
// files: parsing and checking take time and memory in proportion, before
// any evaluation.
inline constexpr size_t kMaxSourceBytes = size_t{4} << 20;
std::optional<Configuration> load(const std::filesystem::path& repo_dir, hcl::Diagnostics& diags,
                                  hcl::Budget& budget);
std::optional<Configuration> load(const std::filesystem::path& repo_dir, hcl::Diagnostics& diags);

// Validates files already parsed without errors (e.g. fetched without a
// checkout). Files with syntax errors hold partial bodies: report those
// errors and stop, as the other load() does, rather than check the schema.
std::optional<Configuration> load(hcl::FileSet files, hcl::Diagnostics& diags, hcl::Budget& budget);
std::optional<Configuration> load(hcl::FileSet files, hcl::Diagnostics& diags);

// "string", "number" or "bool".
std::string_view type_name(Input::Type type);

// A value given to a manual run that its configuration refuses, and why:
// message reads `input "environment": "prod" is not one of "staging",
// "production"`, and names the input it is about.
struct InputProblem {
  std::string input;
  std::string message;
};

// The inputs of a manual run: `given` (name → text, as in core::Event::inputs)
// checked against cfg.inputs, with the defaults of those not given. Every
// value given must be declared, of its input's type (a number, or true or
// false) and one of its options, if any; every input without a default must
// be given. Values come back canonical ("3.0" → "3"). On any problem,
// `problems` lists them all and the values are incomplete.
struct ResolvedInputs {
  std::map<std::string, std::string> values;
  std::vector<InputProblem> problems;
};
ResolvedInputs resolve_inputs(const Configuration& cfg, const std::map<std::string, std::string>& given);

// Whether any expression of the configuration calls hashfiles(): planning
// it then needs the commit's files, not only `.factory/`.
bool calls_hashfiles(const Configuration& cfg);

// The pipelines `event` triggers, fully evaluated. Errors that only this
// event reveals (e.g. a function failing on its tag) are diagnostics; the
// pipelines they occur in are left out of the plan. `source_dir` is the
// checked-out commit that hashfiles() reads (config/hashfiles.h): all of it,
// not only `.factory/`, when calls_hashfiles(cfg). Without one, hashfiles()
// is an error. (load() reads no files for it: there it checks its patterns
// and stands for 64 zeros.)
core::Plan plan(const Configuration& cfg, const core::Event& event, const core::Repository& repo,
                hcl::Diagnostics& diags, hcl::Budget& budget, const std::filesystem::path& source_dir = {});
core::Plan plan(const Configuration& cfg, const core::Event& event, const core::Repository& repo,
                hcl::Diagnostics& diags);

}  // namespace config
