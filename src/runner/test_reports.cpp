#include "runner/test_reports.h"

#include <time.h>

#include <chrono>
#include <string>
#include <vector>

#include "blobs/select.h"
#include "reports/junit.h"

namespace runner {

namespace {

namespace fs = std::filesystem;

std::string reports_text(std::size_t count) { return std::to_string(count) + (count == 1 ? " report" : " reports"); }

}  // namespace

fs::file_time_type TestReports::attempt_start() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
  const auto since_epoch = std::chrono::seconds{now.tv_sec} + std::chrono::nanoseconds{now.tv_nsec};
  return std::chrono::file_clock::from_sys(
      std::chrono::system_clock::time_point{std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch)});
}

void TestReports::read_attempt(const fs::path& workspace, fs::file_time_type since, const FilesLog& log) {
  auto selected = blobs::select_files(workspace, spec_.reports);
  if (!selected) return log("tests: reports not read: " + selected.error().message);
  std::vector<std::string> files, older;
  for (const std::string& path : *selected) {
    std::error_code ec;
    const fs::file_time_type written = fs::last_write_time(workspace / path, ec);
    if (!ec && written < since && !fs::is_symlink(workspace / path, ec))
      older.push_back(path);
    else
      files.push_back(path);
  }
  if (!older.empty())
    log("tests: " + reports_text(older.size()) + " left out, written before this attempt: " + older.front() +
        (older.size() > 1 ? " and " + std::to_string(older.size() - 1) + " more" : ""));
  if (files.empty()) return log("tests: no report found (reports = " + spec_.reports.front() +
                                (spec_.reports.size() > 1 ? ", …" : "") + ")");
  if (files.size() > kMaxReportFiles) {
    log("tests: " + std::to_string(files.size()) + " reports match; the first " + std::to_string(kMaxReportFiles) +
        " are read");
    files.resize(kMaxReportFiles);
  }
  tests_.start_attempt();
  read_ = true;
  std::size_t read = 0;
  for (const std::string& path : files) {
    if (tests_.full()) break;
    const reports::ReadOutcome outcome =
        reports::read_junit_file(workspace / path, [this](reports::TestCase&& test) { return tests_.add(std::move(test)); });
    if (!outcome)
      log("tests: report " + path + " " + outcome.error());
    else
      ++read;
  }
  if (tests_.full())
    log("tests: stopped at " + std::to_string(reports::kMaxTestCases) + " test cases; the rest are not counted");
  log("tests: " + core::test_totals_text(tests_.totals()) + " (" + reports_text(read) + " read)");
}

std::optional<core::TestResults> TestReports::results(const core::SecretMask& mask) const {
  if (!read_) return std::nullopt;
  core::TestResults results = tests_.results();
  // Masking may lengthen a text ("***" for a shorter secret): cut it again.
  const auto hide = [&mask](std::string& text, std::size_t most) {
    text = core::bounded_test_text(mask.apply(text), most);
  };
  for (core::TestProblem& problem : results.problems) {
    hide(problem.suite, core::kMaxTestNameBytes);
    hide(problem.name, core::kMaxTestNameBytes);
    hide(problem.message, core::kMaxTestMessageBytes);
    hide(problem.type, core::kMaxTestTypeBytes);
    hide(problem.file, core::kMaxTestFileBytes);
    hide(problem.output, core::kMaxTestOutputBytes);
  }
  return results;
}

}  // namespace runner
