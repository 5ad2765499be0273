#include <algorithm>
#include <tuple>

#include "config/config.h"
#include "config/context.h"
#include "config/inputs.h"
#include "config/messages.h"
#include "config/planner.h"
#include "config/schedules.h"
#include "config/schema.h"
#include "config/static_checks.h"

namespace config {

namespace {

// Validation evaluates every pipeline, filters or not, with an event that
// has every field set, so that expressions on any field get checked.
core::Event representative_event() {
  core::Event event;
  event.name = "push";
  event.branch = "main";
  event.target_branch = "main";
  event.tag = "v0.0.0";
  event.sha = std::string(40, '0');
  return event;
}

core::Repository representative_repository() { return {"owner", "repository", "https://example.com/owner/repository.git"}; }

bool same_place(const hcl::Diagnostic& a, const hcl::Diagnostic& b) {
  return a.subject.file == b.subject.file && a.subject.start.byte == b.subject.start.byte && a.summary == b.summary;
}

// Matrix instances evaluate the same expressions several times: report
// each problem once.
void append_unique(hcl::Diagnostics& into, const hcl::Diagnostics& from) {
  for (const auto& d : from)
    if (std::none_of(into.begin(), into.end(), [&](const hcl::Diagnostic& seen) { return same_place(seen, d); }))
      into.add(d);
}

// The checks run in phases; people read errors best in source order.
hcl::Diagnostics in_source_order(const hcl::Diagnostics& diags) {
  std::vector<hcl::Diagnostic> sorted(diags.begin(), diags.end());
  auto key = [](const hcl::Diagnostic& d) {
    return std::make_tuple(d.subject.file != nullptr, d.subject.file ? d.subject.file->name() : std::string(),
                           d.subject.start.byte);
  };
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const hcl::Diagnostic& a, const hcl::Diagnostic& b) { return key(a) < key(b); });
  hcl::Diagnostics out;
  for (auto& d : sorted) out.add(std::move(d));
  return out;
}

// A `.factory/` whose files (or the directory itself) are symbolic links out
// of the repository would read the agent's machine, such as
// /proc/self/environ, into diagnostics; one too large would exhaust it.
std::optional<std::string> unsafe_sources(const std::filesystem::path& repo_dir, const std::filesystem::path& dir) {
  std::error_code error;
  const auto repo = std::filesystem::canonical(repo_dir, error);
  if (error) return "cannot resolve " + repo_dir.string() + ": " + error.message();
  auto inside = [&](const std::filesystem::path& p) {
    const auto real = std::filesystem::canonical(p, error);
    if (error) return false;
    auto [end, unused] = std::mismatch(repo.begin(), repo.end(), real.begin(), real.end());
    return end == repo.end();
  };
  if (!inside(dir)) return dir.string() + " leads out of the repository";
  size_t total = 0;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() != ".hcl") continue;
    if (!inside(it->path())) return it->path().string() + " leads out of the repository";
    if (it->is_regular_file(error)) total += it->file_size(error);
    if (total > kMaxSourceBytes)
      return "with " + it->path().string() + ", the *.hcl files of " + dir.string() + " add up to more than " +
             std::to_string(kMaxSourceBytes >> 20) + " MiB";
  }
  if (error) return "cannot read " + dir.string() + ": " + error.message();
  return std::nullopt;
}

void check_descriptions(const Configuration& cfg, const EvaluationContext& context, hcl::Diagnostics& diags) {
  hcl::Scope constants;
  Evaluator evaluator(context, constants, diags);
  for (const auto& variable : cfg.variables)
    if (variable.description.given()) evaluator.string(variable.description, "description");
}

// The inputs' declarations, which every later evaluation reads; false when
// the budget ran out (the limit is reported).
bool evaluate_declarations(Configuration& cfg, const std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags,
                           hcl::Budget& budget) {
  try {
    evaluate_inputs(cfg, skip, diags, budget);
    return true;
  } catch (const OutOfBudget&) {
    return false;
  }
}

void evaluate_for_validation(const Configuration& cfg, std::set<const hcl::Expr*> skip, hcl::Diagnostics& diags,
                             hcl::Budget& budget) {
  core::Event event = representative_event();
  hcl::Diagnostics found;
  try {
    EvaluationContext context = make_context(cfg, event, representative_repository(), std::move(skip), found, budget,
                                             FileHasher::without_tree());
    check_descriptions(cfg, context, found);
    auto evaluated = evaluate_pipelines(cfg, context, event, false, found);
    order_pipelines(cfg, evaluated, found);
  } catch (const OutOfBudget&) {
    // The limit is reported; the rest would only add errors it caused.
  }
  append_unique(diags, found);
}

hcl::Diagnostic error_without_place(std::string summary, std::string detail) {
  hcl::Diagnostic d;
  d.summary = std::move(summary);
  d.detail = std::move(detail);
  return d;
}

hcl::Diagnostic no_pipelines_warning() {
  hcl::Diagnostic d = error_without_place("The configuration has no pipelines",
                                          "Nothing will run for any event; add a pipeline block.");
  d.severity = hcl::Severity::Warning;
  return d;
}

}  // namespace

hcl::Budget planning_budget(std::function<bool()> cancelled) {
  hcl::Limits limits;
  limits.time = kPlanningTime;
  return hcl::Budget(limits, std::move(cancelled));
}

std::optional<Configuration> load(hcl::FileSet files, hcl::Diagnostics& diags) {
  hcl::Budget budget;
  return load(std::move(files), diags, budget);
}

std::optional<Configuration> load(const std::filesystem::path& repo_dir, hcl::Diagnostics& diags) {
  hcl::Budget budget;
  return load(repo_dir, diags, budget);
}

std::optional<Configuration> load(hcl::FileSet files, hcl::Diagnostics& diags, hcl::Budget& budget) {
  hcl::Diagnostics found;
  check_merge(files, found);
  if (!found.has_errors()) {
    Configuration cfg = decode_schema(std::make_shared<const hcl::FileSet>(std::move(files)), found);
    std::set<const hcl::Expr*> skip = check_references(cfg, found);
    order_locals(cfg, skip, found);
    evaluate_schedules(cfg, skip, found, budget);
    if (evaluate_declarations(cfg, skip, found, budget)) evaluate_for_validation(cfg, std::move(skip), found, budget);
    if (cfg.pipelines.empty()) found.add(no_pipelines_warning());
    diags.append(in_source_order(found));
    if (found.has_errors()) return std::nullopt;
    return cfg;
  }
  diags.append(found);
  return std::nullopt;
}

std::optional<Configuration> load(const std::filesystem::path& repo_dir, hcl::Diagnostics& diags,
                                  hcl::Budget& budget) {
  std::filesystem::path dir = repo_dir / ".factory";
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    diags.add(error_without_place("No .factory directory in " + repo_dir.string(),
                                  "FactoryCI reads a repository's pipelines from .factory/*.hcl; create that "
                                  "directory with at least one pipeline block."));
    return std::nullopt;
  }
  if (auto problem = unsafe_sources(repo_dir, dir)) {
    diags.add(error_without_place("Configuration not read: " + *problem,
                                  "Keep the configuration in regular files inside the repository, at most " +
                                      std::to_string(kMaxSourceBytes >> 20) + " MiB in all."));
    return std::nullopt;
  }
  hcl::Diagnostics parse_errors;
  hcl::FileSet files = hcl::parse_directory(dir, parse_errors);
  diags.append(parse_errors);
  if (parse_errors.has_errors()) return std::nullopt;
  if (files.files.empty()) {
    diags.add(error_without_place("No configuration files in " + dir.string(),
                                  "Add at least one *.hcl file with a pipeline block."));
    return std::nullopt;
  }
  return load(std::move(files), diags, budget);
}

}  // namespace config
