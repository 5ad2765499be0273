// /api/v1/projects/{id}/schedules[/{schedule}]: a project's schedules
// (docs/configuration.md#schedules). Lists show those declared in
// `.factory/` beside the project's own; only its own are made, changed and
// deleted here. Readers list, writers change; changes are audited.
#include <nlohmann/json.hpp>

#include "api/json_input.h"
#include "api/routes.h"
#include "api/views.h"
#include "cron/cron.h"

namespace api {

namespace {

// The next slot from now, for people; null when none comes (the store
// holds only valid schedules, so that is never expected).
nlohmann::json next_slot(const store::ScheduleSpec& spec, store::Timestamp now) {
  std::string error;
  const auto expression = cron::Expression::parse(spec.cron, error);
  const auto zone = cron::TimeZone::find(spec.timezone, error);
  if (!expression || !zone) return nullptr;
  return optional_timestamp(cron::next_slot(*expression, *zone, now));
}

// {"id", "project_id", "source" ("api" or "config"), "name", "cron",
// "branch", "timezone", "active_since", "created_at", "updated_at",
// "next_slot_at", "last_run": {"slot_at", "workflow_id"} or null}
nlohmann::json schedule_view(const store::Schedule& schedule, store::Timestamp now) {
  nlohmann::json last_run = nullptr;
  if (schedule.last_slot_at)
    last_run = {{"slot_at", timestamp_text(*schedule.last_slot_at)}, {"workflow_id", schedule.last_workflow_id}};
  return {{"id", schedule.id},
          {"project_id", schedule.project_id},
          {"source", to_string(schedule.source)},
          {"name", schedule.spec.name},
          {"cron", schedule.spec.cron},
          {"branch", schedule.spec.branch},
          {"timezone", schedule.spec.timezone},
          {"active_since", timestamp_text(schedule.active_since)},
          {"created_at", timestamp_text(schedule.created_at)},
          {"updated_at", timestamp_text(schedule.updated_at)},
          {"next_slot_at", next_slot(schedule.spec, now)},
          {"last_run", std::move(last_run)}};
}

// The schedule a request names, when it is one of the project's: another
// project's is not found, as an unknown one is.
store::Schedule project_schedule(store::Store& store, const http::Request& request) {
  const std::string project{*request.param("id")};
  const std::string id{*request.param("schedule")};
  auto schedule = store.get_schedule(id);
  if (schedule && schedule->project_id != project) fail(404, "not_found", "no schedule " + id + " in this project");
  return unwrap(std::move(schedule));
}

std::string described(const store::Schedule& schedule) {
  return "schedule " + schedule.spec.name + " (" + schedule.spec.cron + " " + schedule.spec.timezone + ", branch " +
         schedule.spec.branch + ")";
}

void tell_scheduler(const ApiOptions& options) {
  if (options.schedules_changed) options.schedules_changed();
}

}  // namespace

void add_schedule_routes(const Routes& routes) {
  store::Store& store = routes.store;
  routes.add("GET", "/api/v1/projects/{id}/schedules", "project_schedules", access::project(Role::Read),
             [routes](http::Request& request) {
    nlohmann::json items = nlohmann::json::array();
    const store::Timestamp at = now(routes.options);
    for (const auto& schedule : unwrap(routes.store.list_schedules(*request.param("id"))))
      items.push_back(schedule_view(schedule, at));
    return http::Response::json(200, {{"items", std::move(items)}});
  });
  routes.add("POST", "/api/v1/projects/{id}/schedules", "project_schedules", access::project(Role::Write),
             [routes](http::Request& request) {
    const auto body = read_json_object(request, {"name", "cron", "branch", "timezone"});
    const std::string project{*request.param("id")};
    const store::ScheduleSpec spec{required_string(body, "name"), required_string(body, "cron"),
                                   required_string(body, "branch"), optional_string(body, "timezone").value_or("UTC")};
    const store::Schedule schedule = unwrap(routes.store.create_schedule(project, spec));
    audit(routes, request, "schedule.create", project, described(schedule));
    tell_scheduler(routes.options);
    http::Response response = http::Response::json(201, schedule_view(schedule, now(routes.options)));
    response.headers.set("Location", "/api/v1/projects/" + project + "/schedules/" + schedule.id);
    return response;
  });
  routes.add("GET", "/api/v1/projects/{id}/schedules/{schedule}", "project_schedule", access::project(Role::Read),
             [routes](http::Request& request) {
    return http::Response::json(200, schedule_view(project_schedule(routes.store, request), now(routes.options)));
  });
  routes.add("PUT", "/api/v1/projects/{id}/schedules/{schedule}", "project_schedule", access::project(Role::Write),
             [routes](http::Request& request) {
    const auto body = read_json_object(request, {"name", "cron", "branch", "timezone"});
    const store::Schedule before = project_schedule(routes.store, request);
    const store::ScheduleChanges changes{optional_string(body, "name"), optional_string(body, "cron"),
                                         optional_string(body, "branch"), optional_string(body, "timezone")};
    const store::Schedule after = unwrap(routes.store.update_schedule(before.id, changes));
    audit(routes, request, "schedule.update", after.project_id, described(after));
    tell_scheduler(routes.options);
    return http::Response::json(200, schedule_view(after, now(routes.options)));
  });
  routes.add("DELETE", "/api/v1/projects/{id}/schedules/{schedule}", "project_schedule",
             access::project(Role::Write), [&store, routes](http::Request& request) {
    const store::Schedule schedule = project_schedule(store, request);
    unwrap(store.delete_schedule(schedule.id));
    audit(routes, request, "schedule.delete", schedule.project_id, described(schedule));
    return no_content();
  });
}

}  // namespace api
