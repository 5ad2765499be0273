#include "config/duration.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace config {

namespace {

constexpr std::string_view kHint = "write whole numbers with units h, m, s or ms, e.g. \"30s\", \"10m\", \"1h30m\" or \"500ms\"";

struct Unit {
  std::string_view suffix;
  int64_t milliseconds;
};
// Largest first, "ms" before "m" so that the longer suffix wins.
constexpr std::array<Unit, 4> kUnits{{{"h", 3'600'000}, {"ms", 1}, {"m", 60'000}, {"s", 1'000}}};
constexpr int64_t kMaxMilliseconds = int64_t{1000} * 3'600'000;  // 1000 hours: beyond is a typo

std::optional<std::chrono::milliseconds> fail(std::string& error, std::string_view text, std::string_view why) {
  error = "\"" + std::string(text) + "\" is not a valid duration: " + std::string(why) + "; " + std::string(kHint);
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& error) {
  if (text.empty()) return fail(error, text, "it is empty");
  if (text[0] == '-') return fail(error, text, "a duration cannot be negative");
  int64_t total = 0;
  int64_t previous_unit = INT64_MAX;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits_start = i;
    int64_t number = 0;
    // Saturate past the maximum: the check after the unit reports it.
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      number = std::min(number * 10 + (text[i++] - '0'), kMaxMilliseconds + 1);
    if (i == digits_start) return fail(error, text, "expected a number at \"" + std::string(text.substr(i)) + "\"");
    const Unit* unit = nullptr;
    for (const auto& u : kUnits)
      if (text.substr(i, u.suffix.size()) == u.suffix && (!unit || u.suffix.size() > unit->suffix.size())) unit = &u;
    if (!unit) return fail(error, text, "a number needs a unit");
    if (unit->milliseconds >= previous_unit) return fail(error, text, "units must go from largest to smallest, each once");
    previous_unit = unit->milliseconds;
    i += unit->suffix.size();
    if (number > kMaxMilliseconds / unit->milliseconds) return fail(error, text, "it is longer than 1000h");
    total += number * unit->milliseconds;
    if (total > kMaxMilliseconds) return fail(error, text, "it is longer than 1000h");
  }
  if (total == 0) return fail(error, text, "it must be longer than zero");
  return std::chrono::milliseconds(total);
}

}  // namespace config
