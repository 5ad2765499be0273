// Cron expressions, and the slots they give in a time zone.
//
// Expression::parse reads the five fields of Vixie cron, separated by
// spaces or tabs:
//   minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC,
//   day of week 0-7 (0 and 7 are Sunday) or SUN-SAT
// each a comma-separated list of `*`, `N` or `N-M`, with an optional
// `/STEP` (`N/STEP` runs from N to the field's end); names are accepted in
// any case, in ranges too. A macro may stand for the whole: @yearly
// (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
// As in Vixie cron, when both day fields are restricted a day matches
// either of them; a field that starts with `*` (`*/2` too) is not
// restricted. An error says which field and why, for people:
// "hour 25 is out of range 0-23".
//
// TimeZone::find names a zone of the system's zoneinfo ("Europe/Berlin",
// "UTC"). next_slot() gives the first slot strictly after a time: the next
// local wall-clock minute the expression matches, as an instant. Where the
// clocks change:
//   - a local time skipped when clocks go forward (02:30 on the spring day
//     in Europe/Berlin) runs once, at the end of the gap (03:00 local);
//     every skipped minute of the gap runs then, once in all;
//   - a local time that happens twice when clocks go back runs once, at
//     its first occurrence.
//
// Expressions and zones are immutable values, safe to share between threads.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace cron {

using Time = std::chrono::sys_time<std::chrono::milliseconds>;

class Expression {
 public:
  static constexpr std::size_t kMaxLength = 255;  // bytes of text, spaces included
  // nullopt with `error` set when `text` is not a valid expression.
  static std::optional<Expression> parse(std::string_view text, std::string& error);

  // Whether the minute, hour and day fields hold; months 1-12, days of the
  // week 0-6 from Sunday.
  bool matches_day(unsigned month, unsigned day_of_month, unsigned day_of_week) const;
  bool matches_hour(unsigned hour) const { return hours_[hour]; }
  bool matches_minute(unsigned minute) const { return minutes_[minute]; }

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0-6, Sunday first
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

class TimeZone {
 public:
  // The longest zone name accepted; real ones have at most 32 bytes.
  static constexpr std::size_t kMaxNameLength = 64;
  // nullopt with `error` set for a name the system's zoneinfo lacks.
  static std::optional<TimeZone> find(std::string_view name, std::string& error);

  const date::time_zone& zone() const { return *zone_; }

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;  // owned by the zone database, which lives as long as the program
};

// The first slot after `after` (strictly), or nullopt when none comes
// within kSearchYears (an expression such as "0 0 31 2 *" never matches;
// parse() refuses the dates that never exist, so this is a safety net).
inline constexpr int kSearchYears = 8;
std::optional<Time> next_slot(const Expression& expression, const TimeZone& zone, Time after);

}  // namespace cron
