// `schedule` blocks, the `cron` event and the `schedules` filter.
#include <gtest/gtest.h>

#include "config/filter.h"
#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

const std::string kPipeline = "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n";

std::string schedule_errors(const std::string& text) {
  std::string errors;
  EXPECT_FALSE(load_files({{"ci.hcl", text + kPipeline}}, errors)) << "no error for:\n" << text;
  return errors;
}

Configuration loaded(const std::string& text) {
  std::string errors;
  auto cfg = load_files({{"ci.hcl", text}}, errors);
  EXPECT_TRUE(cfg) << errors;
  return cfg ? *cfg : Configuration{};
}

TEST(Schedule, ValuesAreRead) {
  const Configuration cfg = loaded(
      "schedule \"nightly\" {\n  cron = \"0 3 * * *\"\n  branch = \"main\"\n  timezone = \"Europe/Berlin\"\n}\n"
      "schedule \"hourly\" {\n  cron = \"@hourly\"\n  branch = \"release/1.x\"\n}\n" + kPipeline);
  ASSERT_EQ(cfg.schedules.size(), 2u);
  EXPECT_EQ(cfg.schedules[0].name, "nightly");
  EXPECT_EQ(cfg.schedules[0].cron, "0 3 * * *");
  EXPECT_EQ(cfg.schedules[0].branch, "main");
  EXPECT_EQ(cfg.schedules[0].timezone, "Europe/Berlin");
  EXPECT_EQ(cfg.schedules[1].name, "hourly");
  EXPECT_EQ(cfg.schedules[1].timezone, "UTC");
}

TEST(Schedule, ABadCronExpressionNamesTheField) {
  const std::string errors = schedule_errors("schedule \"nightly\" {\n  cron = \"0 25 * * *\"\n  branch = \"main\"\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:2:10: error: cron \"0 25 * * *\": hour 25 is out of range 0-23");
  EXPECT_CONTAINS(errors, "minute (0-59), hour (0-23)");
}

TEST(Schedule, AnUnknownZoneOrBranchIsAnError) {
  EXPECT_CONTAINS(schedule_errors("schedule \"n\" {\n  cron = \"@daily\"\n  branch = \"main\"\n"
                            "  timezone = \"Europe/Berlim\"\n}\n"),
                  "ci.hcl:4:14: error: Unknown time zone \"Europe/Berlim\"");
  EXPECT_CONTAINS(schedule_errors("schedule \"n\" {\n  cron = \"@daily\"\n  branch = \"a..b\"\n}\n"),
                  "ci.hcl:3:12: error: Invalid branch \"a..b\" in schedule \"n\"");
}

TEST(Schedule, NamesAreOneWord) {
  EXPECT_CONTAINS(schedule_errors("schedule \"every night\" {\n  cron = \"@daily\"\n  branch = \"main\"\n}\n"),
                  "ci.hcl:1:10: error: Invalid schedule name \"every night\"");
}

TEST(Schedule, CronAndBranchAreRequired) {
  const std::string errors = schedule_errors("schedule \"n\" {\n  timezone = \"UTC\"\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:1:10: error: Missing \"cron\" in schedule \"n\"");
  EXPECT_CONTAINS(errors, "ci.hcl:1:10: error: Missing \"branch\" in schedule \"n\"");
}

TEST(Schedule, UnknownAttributesAndDuplicatesAreErrors) {
  EXPECT_CONTAINS(schedule_errors("schedule \"n\" {\n  cron = \"@daily\"\n  branch = \"main\"\n  timzone = \"UTC\"\n}\n"),
                  "ci.hcl:4:3: error: Unknown attribute \"timzone\" in a schedule block");
  EXPECT_CONTAINS(schedule_errors("schedule \"n\" {\n  cron = \"@daily\"\n  branch = \"main\"\n}\n"
                            "schedule \"n\" {\n  cron = \"@daily\"\n  branch = \"main\"\n}\n"),
                  "ci.hcl:5:10: error: Duplicate schedule \"n\"");
}

TEST(Schedule, AttributesAreConstants) {
  const std::string errors =
      schedule_errors("variable \"b\" { default = \"main\" }\n"
                "schedule \"n\" {\n  cron = \"@daily\"\n  branch = var.b\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:4:12: error: A schedule's attribute cannot use var.b");
}

TEST(Schedule, CronIsAnEventOfFilters) {
  const Configuration cfg = loaded(
      "pipeline \"build\" {\n  filter { events = [\"push\"] }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"make\" }\n  }\n}\n"
      "pipeline \"nightly\" {\n  filter {\n    events = [\"cron\"]\n    schedules = [\"nightly\"]\n  }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"echo ${event.schedule} ${event.branch}\" }\n  }\n}\n"
      "pipeline \"any-schedule\" {\n  filter { events = [\"cron\", \"push\"] }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n");
  EXPECT_EQ(names(plan_for(cfg, cron("nightly"))), (Names{"nightly", "any-schedule"}));
  EXPECT_EQ(names(plan_for(cfg, cron("weekly"))), (Names{"any-schedule"}));
  EXPECT_EQ(names(plan_for(cfg, push("main"))), (Names{"build", "any-schedule"}));
  const core::Plan nightly = plan_for(cfg, cron("nightly", "release"));
  ASSERT_EQ(nightly.pipelines.size(), 2u);
  EXPECT_EQ(nightly.pipelines[0].stages[0].executions[0].run, "echo nightly release");
  ASSERT_EQ(plan_for(cfg, cron("weekly")).skipped.size(), 2u);
  EXPECT_EQ(plan_for(cfg, cron("weekly")).skipped[1].reason, "schedule \"weekly\" does not match schedules");
}

TEST(Schedule, TheSchedulesFilterConcernsCronEventsOnly) {
  std::string error;
  CompiledFilter f;
  f.schedules = GlobList::compile({"nightly-*"}, error);
  EXPECT_FALSE(filter_rejection(f, cron("nightly-linux")));
  EXPECT_EQ(filter_rejection(f, cron("weekly")).value_or(""), "schedule \"weekly\" does not match schedules");
  EXPECT_FALSE(filter_rejection(f, push("main")));
}

TEST(Schedule, UnknownEventNamesListCron) {
  const std::string errors = schedule_errors(
      "pipeline \"q\" {\n  filter { events = [\"crn\"] }\n"
      "  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "Events are push, pull_request, tag, manual and cron. Did you mean \"cron\"?");
}

}  // namespace
}  // namespace config
