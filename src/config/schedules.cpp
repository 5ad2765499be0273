#include "config/schedules.h"

#include "config/evaluator.h"
#include "config/messages.h"
#include "core/git_ref.h"
#include "core/schedule_name.h"
#include "cron/cron.h"

namespace config {

namespace {

void check_cron(const Schedule& schedule, const std::string& text, hcl::Diagnostics& diags) {
  std::string error;
  if (cron::Expression::parse(text, error)) return;
  report(diags, schedule.cron_expression.origin(), "cron \"" + text + "\": " + error,
         "The five fields are minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day "
         "of week (0-7 or SUN-SAT), e.g. \"0 3 * * MON-FRI\"; or a macro such as @daily.");
}

void check_zone(const Schedule& schedule, const std::string& name, hcl::Diagnostics& diags) {
  std::string error;
  if (cron::TimeZone::find(name, error)) return;
  report(diags, schedule.timezone_expression.origin(), "Unknown time zone \"" + name + "\"",
         "A timezone is a name of the zoneinfo database, such as \"UTC\" or \"Europe/Berlin\" (the files under "
         "/usr/share/zoneinfo).");
}

void check_branch(const Schedule& schedule, const std::string& branch, hcl::Diagnostics& diags) {
  const std::string problem = core::ref_name_problem(branch);
  if (problem.empty()) return;
  report(diags, schedule.branch_expression.origin(), "Invalid branch \"" + branch + "\" in schedule \"" +
                                                         schedule.name + "\"",
         problem + "; give the branch's name as git knows it, without refs/heads/.");
}

void evaluate(Schedule& schedule, const EvaluationContext& context, const hcl::Scope& constants,
              hcl::Diagnostics& diags) {
  if (const std::string problem = core::schedule_name_problem(schedule.name); !problem.empty())
    report(diags, schedule.origin, "Invalid schedule name \"" + schedule.name + "\"",
           "A cron event carries the name into ${event.schedule}: " + problem + ".");
  Evaluator evaluator(context, constants, diags);
  const auto cron = evaluator.string(schedule.cron_expression, "cron");
  const auto branch = evaluator.string(schedule.branch_expression, "branch");
  const auto timezone = schedule.timezone_expression.given()
                            ? evaluator.string(schedule.timezone_expression, "timezone")
                            : std::optional<std::string>{schedule.timezone};
  if (cron) check_cron(schedule, *cron, diags);
  if (branch) check_branch(schedule, *branch, diags);
  if (timezone) check_zone(schedule, *timezone, diags);
  if (!cron || !branch || !timezone) return;
  schedule.cron = *cron;
  schedule.branch = *branch;
  schedule.timezone = *timezone;
}

}  // namespace

void evaluate_schedules(Configuration& cfg, const std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags,
                        hcl::Budget& budget) {
  EvaluationContext context;
  context.budget = &budget;
  context.skip = skip;
  hcl::Scope constants;
  try {
    for (Schedule& schedule : cfg.schedules) evaluate(schedule, context, constants, diags);
  } catch (const OutOfBudget&) {
    // The limit is reported.
  }
}

}  // namespace config
