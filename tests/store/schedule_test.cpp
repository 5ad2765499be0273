// Schedules on every backend (see store_fixture.h): the API's and the
// declared ones, the checks of their fields, and each slot queued once
// even when two stores on one database race for it.
#include <gtest/gtest.h>

#include <thread>

#include "store_fixture.h"

namespace store {
namespace {

using namespace std::chrono_literals;

const ScheduleSpec kNightly{"nightly", "0 3 * * *", "main", "Europe/Berlin"};

core::Event cron_event(const std::string& schedule = "nightly") {
  return {.name = "cron", .branch = "main", .sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", .schedule = schedule};
}

Timestamp slot_at(int hour) { return Timestamp{std::chrono::hours{24 * 20000 + hour}}; }

class ScheduleTest : public ProjectStoreTest {
 protected:
  Schedule create_schedule(const ScheduleSpec& spec = kNightly) {
    auto created = store_->create_schedule(project_.id, spec);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? *created : Schedule{};
  }

  std::vector<Schedule> schedules() {
    auto listed = store_->list_schedules(project_.id);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<Schedule>{};
  }
};

TEST_P(ScheduleTest, AnApiScheduleIsMadeReadChangedAndDeleted) {
  const Schedule made = create_schedule();
  EXPECT_EQ(made.source, ScheduleSource::Api);
  EXPECT_EQ(made.spec.timezone, "Europe/Berlin");
  auto read = store_->get_schedule(made.id);
  ASSERT_OK(read);
  EXPECT_EQ(read->spec.name, "nightly");
  EXPECT_EQ(read->spec.cron, "0 3 * * *");
  EXPECT_EQ(read->project_id, project_.id);
  EXPECT_FALSE(read->last_slot_at);

  // A new name keeps the slots where they were; a new cron starts afresh.
  std::this_thread::sleep_for(5ms);
  auto renamed = store_->update_schedule(made.id, {.name = "nightly-build"});
  ASSERT_OK(renamed);
  EXPECT_EQ(renamed->spec.name, "nightly-build");
  EXPECT_EQ(renamed->active_since, made.active_since);
  auto moved = store_->update_schedule(made.id, {.cron = "@hourly"});
  ASSERT_OK(moved);
  EXPECT_GT(moved->active_since, made.active_since);
  EXPECT_EQ(store_->get_schedule(made.id)->spec.cron, "@hourly");

  ASSERT_OK(store_->delete_schedule(made.id));
  EXPECT_ERROR(store_->get_schedule(made.id), ErrorKind::NotFound);
  EXPECT_ERROR(store_->delete_schedule(made.id), ErrorKind::NotFound);
}

TEST_P(ScheduleTest, EveryFieldIsCheckedAndABadOneChangesNothing) {
  auto bad_cron = store_->create_schedule(project_.id, {"nightly", "0 25 * * *", "main", "UTC"});
  EXPECT_ERROR(bad_cron, ErrorKind::Invalid);
  EXPECT_EQ(bad_cron.error().message, "cron \"0 25 * * *\": hour 25 is out of range 0-23");
  EXPECT_ERROR(store_->create_schedule(project_.id, {"nightly", "@daily", "main", "Mars/Base"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_schedule(project_.id, {"night ly", "@daily", "main", "UTC"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_schedule(project_.id, {"nightly", "@daily", "-main", "UTC"}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->create_schedule("0190a7a2-0000-7000-8000-000000000000", kNightly), ErrorKind::NotFound);
  const Schedule made = create_schedule();
  EXPECT_ERROR(store_->update_schedule(made.id, {.cron = "* * *"}), ErrorKind::Invalid);
  EXPECT_EQ(store_->get_schedule(made.id)->spec.cron, "0 3 * * *");
  EXPECT_EQ(schedules().size(), 1u);
}

TEST_P(ScheduleTest, ANameIsTakenOncePerBranch) {
  create_schedule();
  auto again = store_->create_schedule(project_.id, kNightly);
  EXPECT_ERROR(again, ErrorKind::Conflict);
  EXPECT_EQ(again.error().message, "the project has a schedule \"nightly\" on branch main already");
  const Schedule release = create_schedule({"nightly", "0 3 * * *", "release", "UTC"});
  EXPECT_ERROR(store_->update_schedule(release.id, {.branch = "main"}), ErrorKind::Conflict);
  // Another project may use the name.
  const Project other = create("acme", "other");
  EXPECT_TRUE(store_->create_schedule(other.id, kNightly).ok());
}

TEST_P(ScheduleTest, DeclaredSchedulesFollowTheirBranch) {
  const ScheduleSpec weekly{"weekly", "@weekly", "main", "UTC"};
  ASSERT_OK(store_->replace_declared_schedules(project_.id, "main", std::vector{kNightly, weekly}));
  create_schedule({"nightly", "0 1 * * *", "main", "UTC"});  // the API's own, beside the declared one
  std::vector<Schedule> listed = schedules();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].spec.name, "nightly");
  EXPECT_EQ(listed[0].source, ScheduleSource::Api);
  EXPECT_EQ(listed[1].source, ScheduleSource::Config);
  EXPECT_EQ(listed[2].spec.name, "weekly");
  const Schedule declared_nightly = listed[1];

  // Declared ones change only in .factory/.
  EXPECT_ERROR(store_->update_schedule(declared_nightly.id, {.cron = "@daily"}), ErrorKind::Conflict);
  auto refused = store_->delete_schedule(declared_nightly.id);
  EXPECT_ERROR(refused, ErrorKind::Conflict);
  EXPECT_EQ(refused.error().message, "schedule \"nightly\" is declared in .factory/ on branch main: change it there");

  // A new read of the branch: nightly changed (same id), weekly gone.
  ASSERT_OK(store_->replace_declared_schedules(project_.id, "main",
                                               std::vector{ScheduleSpec{"nightly", "0 4 * * *", "main", "UTC"}}));
  listed = schedules();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1].id, declared_nightly.id);
  EXPECT_EQ(listed[1].spec.cron, "0 4 * * *");
  EXPECT_GE(listed[1].active_since, declared_nightly.active_since);

  // Another branch's declarations leave main's alone; an empty list removes them.
  ASSERT_OK(store_->replace_declared_schedules(project_.id, "release", std::vector<ScheduleSpec>{}));
  EXPECT_EQ(schedules().size(), 2u);
  ASSERT_OK(store_->replace_declared_schedules(project_.id, "main", std::vector<ScheduleSpec>{}));
  EXPECT_EQ(schedules().size(), 1u);
  // One bad declaration changes nothing; so does one for another branch.
  EXPECT_ERROR(store_->replace_declared_schedules(project_.id, "main",
                                                  std::vector{kNightly, ScheduleSpec{"x", "@never", "main", "UTC"}}),
               ErrorKind::Invalid);
  EXPECT_ERROR(store_->replace_declared_schedules(project_.id, "release", std::vector{kNightly}), ErrorKind::Invalid);
  EXPECT_EQ(schedules().size(), 1u);
}

TEST_P(ScheduleTest, ASlotQueuesItsWorkflowOnce) {
  const Schedule schedule = create_schedule();
  EXPECT_FALSE(*store_->slot_taken(schedule.id, slot_at(3)));
  auto first = store_->enqueue_scheduled_workflow({schedule.id, slot_at(3), cron_event()});
  ASSERT_OK(first);
  ASSERT_TRUE(first->has_value());
  auto again = store_->enqueue_scheduled_workflow({schedule.id, slot_at(3), cron_event()});
  ASSERT_OK(again);
  EXPECT_FALSE(again->has_value());
  EXPECT_TRUE(*store_->slot_taken(schedule.id, slot_at(3)));

  auto workflow = store_->get_workflow((*first)->id);
  ASSERT_OK(workflow);
  EXPECT_EQ(workflow->event.name, "cron");
  EXPECT_EQ(workflow->event.schedule, "nightly");
  EXPECT_EQ(workflow->event.branch, "main");
  EXPECT_EQ(workflow->status, core::Status::Queued);
  auto listed = store_->get_schedule(schedule.id);
  EXPECT_EQ(listed->last_slot_at, slot_at(3));
  EXPECT_EQ(listed->last_workflow_id, (*first)->id);

  auto next = store_->enqueue_scheduled_workflow({schedule.id, slot_at(27), cron_event()});
  ASSERT_OK(next);
  EXPECT_TRUE(next->has_value());
  EXPECT_EQ(store_->get_schedule(schedule.id)->last_slot_at, slot_at(27));
}

TEST_P(ScheduleTest, AScheduledWorkflowIsACronEventWithItsScheduleName) {
  const Schedule schedule = create_schedule();
  EXPECT_ERROR(store_->enqueue_scheduled_workflow({schedule.id, slot_at(3), cron_event("")}), ErrorKind::Invalid);
  core::Event push = cron_event();
  push.name = "push";
  EXPECT_ERROR(store_->enqueue_scheduled_workflow({schedule.id, slot_at(3), push}), ErrorKind::Invalid);
  EXPECT_ERROR(store_->enqueue_workflow(project_.id, "d", cron_event("$(reboot)")), ErrorKind::Invalid);
  EXPECT_ERROR(store_->enqueue_scheduled_workflow({"0190a7a2-0000-7000-8000-000000000000", slot_at(3), cron_event()}),
               ErrorKind::NotFound);
  EXPECT_FALSE(*store_->slot_taken(schedule.id, slot_at(3)));
}

// Two servers' stores on one database: whichever inserts first wins.
TEST_P(ScheduleTest, TwoStoresRacingForOneSlotQueueOneWorkflow) {
  const Schedule schedule = create_schedule();
  std::unique_ptr<Store> other = open_store();
  ASSERT_TRUE(other);
  for (int hour = 0; hour < 10; ++hour) {
    Result<std::optional<EnqueuedWorkflow>> results[2] = {std::optional<EnqueuedWorkflow>{},
                                                         std::optional<EnqueuedWorkflow>{}};
    std::thread second{
        [&] { results[1] = other->enqueue_scheduled_workflow({schedule.id, slot_at(hour), cron_event()}); }};
    results[0] = store_->enqueue_scheduled_workflow({schedule.id, slot_at(hour), cron_event()});
    second.join();
    ASSERT_OK(results[0]);
    ASSERT_OK(results[1]);
    EXPECT_NE(results[0]->has_value(), results[1]->has_value()) << "slot " << hour;
  }
  auto page = store_->list_workflows(project_.id, {.limit = 100});
  ASSERT_OK(page);
  EXPECT_EQ(page->items.size(), 10u);
}

TEST_P(ScheduleTest, DeletingTheProjectDeletesItsSchedules) {
  const Schedule schedule = create_schedule();
  ASSERT_OK(store_->enqueue_scheduled_workflow({schedule.id, slot_at(3), cron_event()}));
  ASSERT_OK(store_->delete_project(project_.id));
  EXPECT_ERROR(store_->get_schedule(schedule.id), ErrorKind::NotFound);
  auto all = store_->list_schedules();
  ASSERT_OK(all);
  EXPECT_TRUE(all->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ScheduleTest, ::testing::Values("sqlite", "mysql", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace store
