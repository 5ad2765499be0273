// Reading JUnit XML test reports (docs/configuration.md#test-reports), in
// the dialects test tools write: pytest (--junitxml), GoogleTest
// (--gtest_output=xml), Node's test runner (--test-reporter=junit) and Maven
// Surefire, and whatever else follows their shape: <testcase> elements at
// any depth below a <testsuites> or <testsuite> root, each passed unless it
// holds a <failure>, <error> or <skipped> (GoogleTest also says
// status="notrun" or result="skipped"), with its <system-out> and
// <system-err>. Totals are counted from the cases, never taken from the
// suites' attributes, which nested suites would count twice.
//
// A report is a build's file, so it is read as hostile: not through a
// symbolic link, at most kMaxReportBytes, with libxml2's streaming reader
// (one node at a time: memory stays small whatever the file holds), no
// external entity, no network, and a DOCTYPE refused. Every text kept is cut to the bounds
// of core/test_results.h.
//
// Thread-safety: read_junit_file may run in several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/result.h"
#include "core/test_results.h"

namespace reports {

inline constexpr std::uint64_t kMaxReportBytes = 32ull << 20;  // one report file

enum class CaseStatus { Passed, Failed, Errored, Skipped };

// One <testcase>. The texts are filled for failed and errored cases, and for
// a passed one that the report itself says is flaky (Surefire's
// <flakyFailure>, after a rerun within the same run).
struct TestCase {
  CaseStatus status = CaseStatus::Passed;
  bool flaky = false;
  std::string suite, name;
  std::int64_t time_ms = 0;
  std::string message, type, file;
  int line = 0;
  std::string output;
};

// Called for each case in report order; false stops reading (enough cases).
using CaseSink = std::function<bool(TestCase&& test)>;

// An error is a sentence for people, without the file's name:
// "is not XML: line 3: Opening and ending tag mismatch: testcase and testsuite".
using ReadOutcome = core::Result<void, std::string>;

// Reads the report at `file`, handing each case to `sink`. Cases read
// before an error (libxml2 reads ahead, so maybe none) have been handed on.
ReadOutcome read_junit_file(const std::filesystem::path& file, const CaseSink& sink);

}  // namespace reports
