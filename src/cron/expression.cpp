#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

#include "cron/cron.h"

namespace cron {

namespace {

using Bits = std::bitset<64>;

struct Field {
  std::string_view name;  // for messages: "hour"
  unsigned min, max;
  std::vector<std::string_view> names;  // names[i] stands for min + i
};

const Field kMinute{"minute", 0, 59, {}};
const Field kHour{"hour", 0, 23, {}};
const Field kDayOfMonth{"day-of-month", 1, 31, {}};
const Field kMonth{
    "month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}};
// 7 is Sunday too, as in Vixie cron.
const Field kDayOfWeek{"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}};

constexpr std::pair<std::string_view, std::string_view> kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::toupper(static_cast<unsigned char>(x)) == y; });
}

// A number or a name of the field, checked against its range.
std::optional<unsigned> value(const Field& field, std::string_view text, std::string& error) {
  for (std::size_t i = 0; i < field.names.size(); ++i)
    if (same_name(text, field.names[i])) return field.min + static_cast<unsigned>(i);
  unsigned number = 0;
  const auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), number);
  const bool too_large = failed == std::errc::result_out_of_range;
  if (text.empty() || end != text.data() + text.size() || (failed != std::errc{} && !too_large)) {
    error = std::string(field.name) + " " + quoted(text) + " is not a number";
    if (!field.names.empty())
      error += " or a name (" + std::string(field.names.front()) + "-" + std::string(field.names.back()) + ")";
    return std::nullopt;
  }
  if (too_large || number < field.min || number > field.max) {
    error = std::string(field.name) + " " + std::string(text) + " is out of range " + std::to_string(field.min) +
            "-" + std::to_string(field.max);
    return std::nullopt;
  }
  return number;
}

// One list item: `*`, `N` or `N-M`, with an optional `/STEP`.
bool add_item(const Field& field, std::string_view item, Bits& bits, std::string& error) {
  const auto slash = item.find('/');
  const std::string_view range = item.substr(0, slash);
  unsigned step = 1;
  if (slash != std::string_view::npos) {
    const std::string_view text = item.substr(slash + 1);
    const auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), step);
    if (text.empty() || failed != std::errc{} || end != text.data() + text.size() || step == 0) {
      error = std::string(field.name) + " step " + quoted(text) + " must be a whole number from 1";
      return false;
    }
  }
  unsigned first = field.min, last = field.max;
  if (range != "*") {
    const auto dash = range.find('-');
    auto from = value(field, range.substr(0, dash), error);
    if (!from) return false;
    first = *from;
    if (dash != std::string_view::npos) {
      auto to = value(field, range.substr(dash + 1), error);
      if (!to) return false;
      last = *to;
    } else if (slash == std::string_view::npos) {
      last = first;
    }
  }
  if (first > last) {
    error = std::string(field.name) + " range " + std::string(range) + " runs backwards; write it as two ranges";
    return false;
  }
  for (unsigned v = first; v <= last; v += step) bits.set(v);
  return true;
}

std::optional<Bits> parse_field(const Field& field, std::string_view text, std::string& error) {
  Bits bits;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) {
      error = std::string(field.name) + " " + quoted(text) + " has an empty list item";
      return std::nullopt;
    }
    if (!add_item(field, item, bits, error)) return std::nullopt;
    if (comma == std::string_view::npos) return bits;
    start = comma + 1;
  }
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < text.size()) {
    at = text.find_first_not_of(" \t", at);
    if (at == std::string_view::npos) break;
    const auto end = std::min(text.find_first_of(" \t", at), text.size());
    fields.push_back(text.substr(at, end - at));
    at = end;
  }
  return fields;
}

template <std::size_t N>
std::bitset<N> narrow(const Bits& bits) {
  std::bitset<N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

// Whether some month given has some day of the month given: "0 0 30 2 *"
// would never run.
bool day_exists(const std::bitset<32>& days, const std::bitset<13>& months) {
  constexpr unsigned kLongest[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (unsigned month = 1; month <= 12; ++month)
    if (months[month])
      for (unsigned day = 1; day <= kLongest[month]; ++day)
        if (days[day]) return true;
  return false;
}

}  // namespace

std::optional<Expression> Expression::parse(std::string_view text, std::string& error) {
  if (text.size() > kMaxLength) {
    error = "it is longer than " + std::to_string(kMaxLength) + " bytes";
    return std::nullopt;
  }
  std::vector<std::string_view> fields = split_fields(text);
  if (fields.size() == 1 && fields[0].starts_with('@')) {
    const auto macro = std::find_if(std::begin(kMacros), std::end(kMacros),
                                    [&](const auto& m) { return m.first == fields[0]; });
    if (macro == std::end(kMacros)) {
      error = quoted(fields[0]) + " is not a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, "
              "@hourly)";
      return std::nullopt;
    }
    return parse(macro->second, error);
  }
  if (fields.size() != 5) {
    error = "it has " + std::to_string(fields.size()) +
            " fields; a cron expression has five (minute hour day-of-month month day-of-week) or is a macro "
            "such as @daily";
    return std::nullopt;
  }
  Expression e;
  const Field* in_order[] = {&kMinute, &kHour, &kDayOfMonth, &kMonth, &kDayOfWeek};
  Bits bits[5];
  for (int i = 0; i < 5; ++i) {
    auto parsed = parse_field(*in_order[i], fields[i], error);
    if (!parsed) return std::nullopt;
    bits[i] = *parsed;
  }
  if (bits[4][7]) bits[4].set(0);
  e.minutes_ = narrow<60>(bits[0]);
  e.hours_ = narrow<24>(bits[1]);
  e.days_ = narrow<32>(bits[2]);
  e.months_ = narrow<13>(bits[3]);
  e.weekdays_ = narrow<7>(bits[4]);
  e.days_restricted_ = !fields[2].starts_with('*');
  e.weekdays_restricted_ = !fields[4].starts_with('*');
  if (e.days_restricted_ && !e.weekdays_restricted_ && !day_exists(e.days_, e.months_)) {
    error = "day-of-month " + quoted(fields[2]) + " never occurs in month " + quoted(fields[3]);
    return std::nullopt;
  }
  return e;
}

bool Expression::matches_day(unsigned month, unsigned day_of_month, unsigned day_of_week) const {
  if (!months_[month]) return false;
  if (days_restricted_ && weekdays_restricted_) return days_[day_of_month] || weekdays_[day_of_week];
  return days_[day_of_month] && weekdays_[day_of_week];
}

}  // namespace cron
