// Schedules of SqlStore: a project's own (the API's) and those declared in
// a branch's `.factory/`. The slots that ran, and the queueing of a slot's
// workflow, are with the other workflow operations (workflows.cpp).
#include <algorithm>

#include "core/git_ref.h"
#include "core/schedule_name.h"
#include "core/uuid.h"
#include "cron/cron.h"
#include "store/sql_store.h"

namespace store {

namespace {

// Each schedule with its latest run, when it has one.
#define FACTORY_SELECT_SCHEDULE                                                                                \
  "SELECT s.id, s.project_id, s.source, s.name, s.cron, s.branch, s.timezone, s.active_since, s.created_at, " \
  "s.updated_at, r.slot_at, r.workflow_id FROM schedules s LEFT JOIN schedule_runs r ON r.schedule_id = s.id " \
  "AND r.slot_at = (SELECT MAX(slot_at) FROM schedule_runs WHERE schedule_id = s.id) "

const Query kScheduleById{FACTORY_SELECT_SCHEDULE "WHERE s.id = ?"};
const Query kProjectSchedules{FACTORY_SELECT_SCHEDULE "WHERE s.project_id = ? ORDER BY s.name, s.branch, s.source"};
const Query kAllSchedules{FACTORY_SELECT_SCHEDULE "ORDER BY s.project_id, s.name, s.branch, s.source"};
const Query kDeclaredSchedules{FACTORY_SELECT_SCHEDULE
                               "WHERE s.project_id = ? AND s.source = 'config' AND s.branch = ? ORDER BY s.name"};
#undef FACTORY_SELECT_SCHEDULE

const Query kInsertSchedule{
    "INSERT INTO schedules (id, project_id, source, name, cron, branch, timezone, active_since, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"};
const Query kUpdateSchedule{
    "UPDATE schedules SET name = ?, cron = ?, branch = ?, timezone = ?, active_since = ?, updated_at = ?"
    " WHERE id = ?"};
const Query kDeleteSchedule{"DELETE FROM schedules WHERE id = ?"};
const Query kSlotTaken{"SELECT COUNT(*) FROM schedule_runs WHERE schedule_id = ? AND slot_at = ?"};

Schedule read_schedule(const Row& row) {
  Schedule schedule;
  schedule.id = row.text(0);
  schedule.project_id = row.text(1);
  schedule.source = row.text(2) == "config" ? ScheduleSource::Config : ScheduleSource::Api;
  schedule.spec = {std::string(row.text(3)), std::string(row.text(4)), std::string(row.text(5)),
                   std::string(row.text(6))};
  schedule.active_since = from_millis(row.integer(7));
  schedule.created_at = from_millis(row.integer(8));
  schedule.updated_at = from_millis(row.integer(9));
  schedule.last_slot_at = optional_time(row, 10);
  schedule.last_workflow_id = row.text(11);
  return schedule;
}

Status check_spec(const ScheduleSpec& spec) {
  if (auto problem = core::schedule_name_problem(spec.name); !problem.empty()) return invalid(problem);
  std::string error;
  if (!cron::Expression::parse(spec.cron, error)) return invalid("cron \"" + spec.cron + "\": " + error);
  if (!cron::TimeZone::find(spec.timezone, error)) return invalid(error);
  if (auto problem = core::ref_name_problem(spec.branch); !problem.empty())
    return invalid("branch \"" + spec.branch + "\": " + problem);
  return {};
}

// Whether the slots of `after` differ from those of `before`: a change of
// when it runs starts the schedule afresh, so that no past slot runs for it.
bool runs_otherwise(const ScheduleSpec& before, const ScheduleSpec& after) {
  return before.cron != after.cron || before.timezone != after.timezone || before.branch != after.branch;
}

// The unique key (project, source, branch, name) is the only one a write can violate.
Error taken_name(const ScheduleSpec& spec) {
  return conflict("the project has a schedule \"" + spec.name + "\" on branch " + spec.branch + " already");
}

Result<std::vector<Schedule>> select_schedules(Connection& connection, const Query& query,
                                               std::initializer_list<Param> params) {
  std::vector<Schedule> schedules;
  auto done = connection.execute(query, params, [&](const Row& row) { schedules.push_back(read_schedule(row)); });
  if (!done) return done.error();
  return schedules;
}

Result<Schedule> select_schedule(Connection& connection, std::string_view id) {
  auto found = select_schedules(connection, kScheduleById, {id});
  if (!found) return found.error();
  if (found->empty()) return not_found("no schedule " + std::string(id));
  return std::move(found->front());
}

Status insert_schedule(Connection& connection, const Schedule& s) {
  const std::int64_t at = to_millis(s.created_at);
  auto inserted = connection.execute(kInsertSchedule, {s.id, s.project_id, to_string(s.source), s.spec.name,
                                                       s.spec.cron, s.spec.branch, s.spec.timezone, at, at, at});
  if (!inserted && inserted.error().kind == ErrorKind::Conflict) return taken_name(s.spec);
  if (!inserted) return inserted.error();
  return {};
}

// Writes `spec` over schedule `before`, at `at`.
Result<Schedule> write_schedule(Connection& connection, Schedule before, const ScheduleSpec& spec, Timestamp at) {
  if (runs_otherwise(before.spec, spec)) before.active_since = at;
  before.spec = spec;
  before.updated_at = at;
  auto updated = connection.execute(kUpdateSchedule, {spec.name, spec.cron, spec.branch, spec.timezone,
                                                      to_millis(before.active_since), to_millis(at), before.id});
  if (!updated && updated.error().kind == ErrorKind::Conflict) return taken_name(spec);
  if (!updated) return updated.error();
  return before;
}

Schedule new_schedule(std::string project_id, ScheduleSource source, const ScheduleSpec& spec) {
  Schedule schedule;
  schedule.id = core::Uuid::new_v7().to_string();
  schedule.project_id = std::move(project_id);
  schedule.source = source;
  schedule.spec = spec;
  schedule.created_at = schedule.updated_at = schedule.active_since = now();
  return schedule;
}

ScheduleSpec changed(ScheduleSpec spec, const ScheduleChanges& changes) {
  if (changes.name) spec.name = *changes.name;
  if (changes.cron) spec.cron = *changes.cron;
  if (changes.branch) spec.branch = *changes.branch;
  if (changes.timezone) spec.timezone = *changes.timezone;
  return spec;
}

Error declared(const Schedule& schedule) {
  return conflict("schedule \"" + schedule.spec.name + "\" is declared in .factory/ on branch " +
                  schedule.spec.branch + ": change it there");
}

}  // namespace

std::string_view to_string(ScheduleSource source) { return source == ScheduleSource::Config ? "config" : "api"; }

Result<Schedule> SqlStore::create_schedule(std::string_view project_id, const ScheduleSpec& spec) {
  if (auto checked = check_spec(spec); !checked) return checked.error();
  return in_contended_transaction([&](Connection& connection) -> Result<Schedule> {
    auto project = project_key(connection, project_id);
    if (!project) return project.error();
    Schedule schedule = new_schedule(*project, ScheduleSource::Api, spec);
    if (auto inserted = insert_schedule(connection, schedule); !inserted) return inserted.error();
    return schedule;
  });
}

Result<Schedule> SqlStore::get_schedule(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return with_connection([&](Connection& connection) { return select_schedule(connection, *key); });
}

Result<std::vector<Schedule>> SqlStore::list_schedules(std::string_view project_id) {
  if (project_id.empty())
    return with_connection([&](Connection& connection) { return select_schedules(connection, kAllSchedules, {}); });
  return with_connection([&](Connection& connection) -> Result<std::vector<Schedule>> {
    auto project = project_key(connection, project_id);
    if (!project) return project.error();
    return select_schedules(connection, kProjectSchedules, {*project});
  });
}

Result<Schedule> SqlStore::update_schedule(std::string_view id, const ScheduleChanges& changes) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return in_contended_transaction([&](Connection& connection) -> Result<Schedule> {
    auto before = select_schedule(connection, *key);
    if (!before) return before.error();
    if (before->source == ScheduleSource::Config) return declared(*before);
    const ScheduleSpec spec = changed(before->spec, changes);
    if (auto checked = check_spec(spec); !checked) return checked.error();
    return write_schedule(connection, std::move(*before), spec, now());
  });
}

Status SqlStore::delete_schedule(std::string_view id) {
  auto key = canonical_id(id);
  if (!key) return bad_id(id);
  return in_contended_transaction([&](Connection& connection) -> Status {
    auto schedule = select_schedule(connection, *key);
    if (!schedule) return schedule.error();
    if (schedule->source == ScheduleSource::Config) return declared(*schedule);
    auto deleted = connection.execute(kDeleteSchedule, {*key});
    if (!deleted) return deleted.error();
    return {};
  });
}

Status SqlStore::replace_declared_schedules(std::string_view project_id, std::string_view branch,
                                            std::span<const ScheduleSpec> declared) {
  for (const ScheduleSpec& spec : declared) {
    if (auto checked = check_spec(spec); !checked) return checked;
    if (spec.branch != branch) return invalid("schedule \"" + spec.name + "\" is for branch " + spec.branch +
                                              ", not " + std::string(branch));
  }
  return in_contended_transaction([&](Connection& connection) -> Status {
    auto project = project_key(connection, project_id);
    if (!project) return project.error();
    auto known = select_schedules(connection, kDeclaredSchedules, {*project, branch});
    if (!known) return known.error();
    const Timestamp at = now();
    for (const ScheduleSpec& spec : declared) {
      auto same =
          std::find_if(known->begin(), known->end(), [&](const Schedule& s) { return s.spec.name == spec.name; });
      if (same == known->end()) {
        const Schedule made = new_schedule(*project, ScheduleSource::Config, spec);
        if (auto inserted = insert_schedule(connection, made); !inserted) return inserted;
      } else if (same->spec.cron != spec.cron || same->spec.timezone != spec.timezone) {
        if (auto written = write_schedule(connection, *same, spec, at); !written) return written.error();
      }
    }
    for (const Schedule& schedule : *known) {
      const bool kept = std::any_of(declared.begin(), declared.end(),
                                    [&](const ScheduleSpec& spec) { return spec.name == schedule.spec.name; });
      if (kept) continue;
      if (auto deleted = connection.execute(kDeleteSchedule, {schedule.id}); !deleted) return deleted.error();
    }
    return {};
  });
}

Result<bool> SqlStore::slot_taken(std::string_view schedule_id, Timestamp slot) {
  auto key = canonical_id(schedule_id);
  if (!key) return bad_id(schedule_id);
  return with_connection([&](Connection& connection) -> Result<bool> {
    std::int64_t count = 0;
    auto done =
        connection.execute(kSlotTaken, {*key, to_millis(slot)}, [&](const Row& row) { count = row.integer(0); });
    if (!done) return done.error();
    return count > 0;
  });
}

}  // namespace store
