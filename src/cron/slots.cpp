#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "cron/cron.h"

namespace cron {

namespace {

// Zone names are paths under the zoneinfo directory: letters, digits and
// "/_+-" ("America/Argentina/Buenos_Aires", "Etc/GMT+5"), never "..".
bool plausible_zone_name(std::string_view name) {
  if (name.empty() || name.size() > TimeZone::kMaxNameLength || name.find("..") != std::string_view::npos ||
      name.front() == '/')
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '+' || c == '-';
  });
}

// The instant of a local wall-clock minute: a skipped one (clocks went
// forward) is the end of the gap, a repeated one (clocks went back) its
// first occurrence.
Time instant(const date::time_zone& zone, date::local_time<std::chrono::minutes> local) {
  const date::local_info info = zone.get_info(local);
  switch (info.result) {
    case date::local_info::unique:
      return Time{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      return Time{info.second.begin.time_since_epoch()};
    default:  // ambiguous
      return Time{local.time_since_epoch() - info.first.offset};
  }
}

}  // namespace

std::optional<TimeZone> TimeZone::find(std::string_view name, std::string& error) {
  if (plausible_zone_name(name)) {
    try {
      return TimeZone{date::locate_zone(name)};
    } catch (const std::runtime_error&) {
      // reported below
    }
  }
  error = "time zone \"" + std::string(name.substr(0, kMaxNameLength)) +
          "\" is not a zone of the zoneinfo database, such as \"UTC\" or \"Europe/Berlin\"";
  return std::nullopt;
}

std::optional<Time> next_slot(const Expression& expression, const TimeZone& zone, Time after) {
  using namespace std::chrono;
  const date::time_zone& tz = zone.zone();
  // Minutes before `after`'s local minute map to instants before it, but for
  // skipped ones, which lie after it only when `after` is before the gap.
  const auto start = floor<minutes>(tz.to_local(floor<seconds>(after)));
  date::local_days day = floor<date::days>(start);
  const date::local_days last = day + date::days{366 * kSearchYears};
  for (; day <= last; day += date::days{1}) {
    const date::year_month_day ymd{day};
    const unsigned weekday = date::weekday{day}.c_encoding();
    if (!expression.matches_day(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), weekday))
      continue;
    for (unsigned hour = 0; hour < 24; ++hour) {
      if (!expression.matches_hour(hour)) continue;
      for (unsigned minute = 0; minute < 60; ++minute) {
        if (!expression.matches_minute(minute)) continue;
        const date::local_time<minutes> local = day + hours{hour} + minutes{minute};
        if (local < start) continue;
        const Time slot = instant(tz, local);
        if (slot > after) return slot;
      }
    }
  }
  return std::nullopt;
}

}  // namespace cron
