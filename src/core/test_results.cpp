#include "core/test_results.h"

#include <algorithm>
#include <array>

#include "core/utf8.h"

namespace core {

namespace {
constexpr std::array<std::string_view, 3> kOutcomes = {"failure", "error", "flaky"};

std::string counted(std::int64_t count, std::string_view what) { return std::to_string(count) + " " + std::string{what}; }
}  // namespace

std::string_view to_string(TestOutcome outcome) { return kOutcomes[static_cast<std::size_t>(outcome)]; }

std::optional<TestOutcome> parse_test_outcome(std::string_view text) {
  for (std::size_t i = 0; i < kOutcomes.size(); ++i)
    if (kOutcomes[i] == text) return static_cast<TestOutcome>(i);
  return std::nullopt;
}

TestTotals& TestTotals::operator+=(const TestTotals& more) {
  tests += more.tests;
  failures += more.failures;
  errors += more.errors;
  skipped += more.skipped;
  flaky += more.flaky;
  time_ms += more.time_ms;
  return *this;
}

std::string test_totals_text(const TestTotals& totals) {
  std::string text = counted(totals.passed(), "passed") + ", " + counted(totals.failures, "failed");
  if (totals.errors > 0) text += ", " + counted(totals.errors, totals.errors == 1 ? "error" : "errors");
  text += ", " + counted(totals.skipped, "skipped");
  if (totals.flaky > 0) text += ", " + counted(totals.flaky, "flaky");
  return text;
}

std::string bounded_test_text(std::string_view text, std::size_t most, std::size_t whole) {
  whole = std::max(whole, text.size());
  if (whole <= most) return std::string{text};
  // The note says how much there was; it is counted within `most`.
  const std::string note = "… [" + std::to_string(whole) + " bytes in all]";
  if (note.size() >= most) return std::string{utf8_prefix(text, most)};
  return std::string{utf8_prefix(text, most - note.size())} + note;
}

}  // namespace core
