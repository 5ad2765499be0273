#include "cron/cron.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace {

using namespace std::chrono;

cron::Expression parse(std::string_view text) {
  std::string error;
  auto expression = cron::Expression::parse(text, error);
  EXPECT_TRUE(expression) << text << ": " << error;
  return expression.value_or(*cron::Expression::parse("* * * * *", error));
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(cron::Expression::parse(text, error)) << text;
  return error;
}

cron::TimeZone zone(std::string_view name) {
  std::string error;
  auto found = cron::TimeZone::find(name, error);
  EXPECT_TRUE(found) << error;
  return *found;
}

// "2024-03-31T01:00:00Z" to a time, and back.
cron::Time at(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return cron::Time{seconds{timegm(&tm)}};
}

std::string text(cron::Time time) {
  const std::time_t t = system_clock::to_time_t(time_point_cast<system_clock::duration>(time));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

// The slots after `from`, `count` of them.
std::vector<std::string> slots(std::string_view expression, std::string_view zone_name, const std::string& from,
                               int count) {
  const cron::Expression e = parse(expression);
  const cron::TimeZone z = zone(zone_name);
  std::vector<std::string> out;
  cron::Time after = at(from);
  for (int i = 0; i < count; ++i) {
    auto slot = cron::next_slot(e, z, after);
    if (!slot) break;
    out.push_back(text(*slot));
    after = *slot;
  }
  return out;
}

// The slots from `from` up to `to` (inclusive).
int count_slots(std::string_view expression, std::string_view zone_name, const std::string& from,
                const std::string& to) {
  const cron::Expression e = parse(expression);
  const cron::TimeZone z = zone(zone_name);
  int count = 0;
  for (auto slot = cron::next_slot(e, z, at(from)); slot && *slot <= at(to); slot = cron::next_slot(e, z, *slot))
    ++count;
  return count;
}

using Slots = std::vector<std::string>;

TEST(CronParse, NamesTheFieldAndTheRangeOfAValueOutOfIt) {
  EXPECT_EQ(error_of("0 25 * * *"), "hour 25 is out of range 0-23");
  EXPECT_EQ(error_of("60 * * * *"), "minute 60 is out of range 0-59");
  EXPECT_EQ(error_of("0 0 0 * *"), "day-of-month 0 is out of range 1-31");
  EXPECT_EQ(error_of("0 0 * 13 *"), "month 13 is out of range 1-12");
  EXPECT_EQ(error_of("0 0 * * 8"), "day-of-week 8 is out of range 0-7");
  EXPECT_EQ(error_of("0 99999999999999999999 * * *"), "hour 99999999999999999999 is out of range 0-23");
}

TEST(CronParse, ExplainsEveryOtherMistake) {
  EXPECT_EQ(error_of("0 3 * *"), "it has 4 fields; a cron expression has five (minute hour day-of-month month "
                                 "day-of-week) or is a macro such as @daily");
  EXPECT_EQ(error_of(""), "it has 0 fields; a cron expression has five (minute hour day-of-month month "
                          "day-of-week) or is a macro such as @daily");
  EXPECT_EQ(error_of("*/0 * * * *"), "minute step \"0\" must be a whole number from 1");
  EXPECT_EQ(error_of("0 5-2 * * *"), "hour range 5-2 runs backwards; write it as two ranges");
  EXPECT_EQ(error_of("0 0 * JUNE *"), "month \"JUNE\" is not a number or a name (JAN-DEC)");
  EXPECT_EQ(error_of("x * * * *"), "minute \"x\" is not a number");
  EXPECT_EQ(error_of("1,,2 * * * *"), "minute \"1,,2\" has an empty list item");
  EXPECT_EQ(error_of("@reboot"), "\"@reboot\" is not a macro (@yearly, @annually, @monthly, @weekly, @daily, "
                                 "@midnight, @hourly)");
  EXPECT_EQ(error_of("0 0 30 2 *"), "day-of-month \"30\" never occurs in month \"2\"");
  EXPECT_EQ(error_of(std::string(300, '*')), "it is longer than 255 bytes");
}

TEST(CronSlots, DailyAtThreeInUtc) {
  EXPECT_EQ(slots("0 3 * * *", "UTC", "2024-01-01T00:00:00Z", 2),
            (Slots{"2024-01-01T03:00:00Z", "2024-01-02T03:00:00Z"}));
  // Strictly after: a slot is never its own successor.
  EXPECT_EQ(slots("0 3 * * *", "UTC", "2024-01-01T03:00:00Z", 1), (Slots{"2024-01-02T03:00:00Z"}));
  EXPECT_EQ(slots("0 3 * * *", "UTC", "2024-01-01T02:59:59Z", 1), (Slots{"2024-01-01T03:00:00Z"}));
}

TEST(CronSlots, ListsRangesStepsAndNames) {
  EXPECT_EQ(slots("5/20 * * * *", "UTC", "2024-01-01T00:00:00Z", 4),
            (Slots{"2024-01-01T00:05:00Z", "2024-01-01T00:25:00Z", "2024-01-01T00:45:00Z", "2024-01-01T01:05:00Z"}));
  EXPECT_EQ(slots("0 9-17/4 * * *", "UTC", "2024-01-01T00:00:00Z", 4),
            (Slots{"2024-01-01T09:00:00Z", "2024-01-01T13:00:00Z", "2024-01-01T17:00:00Z", "2024-01-02T09:00:00Z"}));
  // 2024-01-05 is a Friday; weekdays only, by name and in lower case.
  EXPECT_EQ(slots("30 8 * jan-Feb MON-fri", "UTC", "2024-01-05T09:00:00Z", 2),
            (Slots{"2024-01-08T08:30:00Z", "2024-01-09T08:30:00Z"}));
  EXPECT_EQ(slots("0 0 1 1,7 *", "UTC", "2024-01-05T09:00:00Z", 2),
            (Slots{"2024-07-01T00:00:00Z", "2025-01-01T00:00:00Z"}));
  // 7 is Sunday, as 0 is.
  EXPECT_EQ(slots("0 0 * * 7", "UTC", "2024-01-01T00:00:00Z", 1), (Slots{"2024-01-07T00:00:00Z"}));
  EXPECT_EQ(slots("0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z", 1), (Slots{"2028-02-29T00:00:00Z"}));
}

TEST(CronSlots, MacrosStandForTheirExpressions) {
  EXPECT_EQ(slots("@daily", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2024-01-02T00:00:00Z"}));
  EXPECT_EQ(slots("@midnight", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2024-01-02T00:00:00Z"}));
  EXPECT_EQ(slots("@hourly", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2024-01-01T13:00:00Z"}));
  EXPECT_EQ(slots("@weekly", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2024-01-07T00:00:00Z"}));
  EXPECT_EQ(slots("@monthly", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2024-02-01T00:00:00Z"}));
  EXPECT_EQ(slots("@yearly", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2025-01-01T00:00:00Z"}));
  EXPECT_EQ(slots("@annually", "UTC", "2024-01-01T12:00:00Z", 1), (Slots{"2025-01-01T00:00:00Z"}));
}

// Vixie cron: with both day fields restricted, either may hold; a field
// starting with "*" is no restriction, so then both must.
TEST(CronSlots, DayOfMonthOrDayOfWeekAsVixieCron) {
  // The 13th, or any Friday: 2024-09-06 and 2024-09-13 are Fridays.
  EXPECT_EQ(slots("0 0 13 * 5", "UTC", "2024-09-01T00:00:00Z", 3),
            (Slots{"2024-09-06T00:00:00Z", "2024-09-13T00:00:00Z", "2024-09-20T00:00:00Z"}));
  // Odd days that are Fridays: 2024-09-13 (odd), not 2024-09-06 or 2024-09-20.
  EXPECT_EQ(slots("0 0 */2 * 5", "UTC", "2024-09-01T00:00:00Z", 2),
            (Slots{"2024-09-13T00:00:00Z", "2024-09-27T00:00:00Z"}));
}

TEST(CronSlots, FollowTheTimeZone) {
  // 03:00 in Berlin is 02:00 UTC in winter and 01:00 UTC in summer.
  EXPECT_EQ(slots("0 3 * * *", "Europe/Berlin", "2024-01-01T00:00:00Z", 1), (Slots{"2024-01-01T02:00:00Z"}));
  EXPECT_EQ(slots("0 3 * * *", "Europe/Berlin", "2024-07-01T00:00:00Z", 1), (Slots{"2024-07-01T01:00:00Z"}));
  EXPECT_EQ(slots("0 9 * * *", "America/New_York", "2024-07-01T00:00:00Z", 1), (Slots{"2024-07-01T13:00:00Z"}));
}

// On 2024-03-31 Berlin's clocks went from 02:00 CET to 03:00 CEST (01:00 UTC).
TEST(CronSlots, ATimeSkippedInSpringRunsOnceAtTheEndOfTheGap) {
  EXPECT_EQ(slots("30 2 * * *", "Europe/Berlin", "2024-03-30T12:00:00Z", 3),
            (Slots{"2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z", "2024-04-02T00:30:00Z"}));
  EXPECT_EQ(slots("30 * * * *", "Europe/Berlin", "2024-03-30T23:00:00Z", 4),
            (Slots{"2024-03-30T23:30:00Z", "2024-03-31T00:30:00Z", "2024-03-31T01:00:00Z", "2024-03-31T01:30:00Z"}));
  // Every skipped minute runs at the gap's end, once in all; the day has 23 hours.
  EXPECT_EQ(count_slots("* * * * *", "Europe/Berlin", "2024-03-31T00:58:00Z", "2024-03-31T01:02:00Z"), 4);
  EXPECT_EQ(count_slots("0 * * * *", "Europe/Berlin", "2024-03-30T22:59:00Z", "2024-03-31T21:59:00Z"), 23);
}

// On 2024-10-27 they went from 03:00 CEST back to 02:00 CET (01:00 UTC).
TEST(CronSlots, ATimeRepeatedInAutumnRunsOnceAtItsFirstOccurrence) {
  EXPECT_EQ(slots("30 2 * * *", "Europe/Berlin", "2024-10-26T12:00:00Z", 2),
            (Slots{"2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"}));
  // From inside the repeated hour, its minutes already ran.
  EXPECT_EQ(slots("30 2 * * *", "Europe/Berlin", "2024-10-27T01:10:00Z", 1), (Slots{"2024-10-28T01:30:00Z"}));
  // 24 local hours, 25 real ones: one run an hour of the clock.
  EXPECT_EQ(count_slots("0 * * * *", "Europe/Berlin", "2024-10-26T21:59:00Z", "2024-10-27T22:59:00Z"), 24);
}

TEST(CronZone, RefusesWhatTheZoneDatabaseLacks) {
  std::string error;
  EXPECT_FALSE(cron::TimeZone::find("Mars/Olympus_Mons", error));
  EXPECT_EQ(error, "time zone \"Mars/Olympus_Mons\" is not a zone of the zoneinfo database, such as \"UTC\" or "
                   "\"Europe/Berlin\"");
  for (const char* bad : {"", "../../etc/passwd", "/etc/passwd", "Europe/Berlin\n", "a b"})
    EXPECT_FALSE(cron::TimeZone::find(bad, error)) << bad;
  EXPECT_FALSE(cron::TimeZone::find(std::string(1000, 'A'), error));
  EXPECT_LT(error.size(), 200u);
  EXPECT_TRUE(cron::TimeZone::find("UTC", error));
  EXPECT_TRUE(cron::TimeZone::find("America/Argentina/Buenos_Aires", error));
  EXPECT_TRUE(cron::TimeZone::find("Etc/GMT+5", error));
}

}  // namespace
