#include "reports/junit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "core/byte_size.h"

namespace reports {

namespace {

// libxml2's reader node types (xmlReaderTypes), by the names we use.
constexpr int kElement = XML_READER_TYPE_ELEMENT;
constexpr int kEndElement = XML_READER_TYPE_END_ELEMENT;
constexpr int kText = XML_READER_TYPE_TEXT;
constexpr int kCdata = XML_READER_TYPE_CDATA;
constexpr int kWhitespace = XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
constexpr int kDoctype = XML_READER_TYPE_DOCUMENT_TYPE;

// Entities are never expanded and nothing is fetched: a report naming
// http://… or file:///etc/passwd in a DTD gets nothing.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT;

std::string_view view(const xmlChar* text) {
  return text ? std::string_view{reinterpret_cast<const char*>(text)} : std::string_view{};
}

class Fd {
 public:
  explicit Fd(int fd) : fd_{fd} {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct ReaderDeleter {
  void operator()(xmlTextReaderPtr reader) const { xmlFreeTextReader(reader); }
};

// The first error libxml2 reports, with its line.
void keep_first_error(void* into, xmlErrorPtr error) {
  auto& message = *static_cast<std::string*>(into);
  if (!message.empty() || !error || !error->message) return;
  std::string text = error->message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  message = "line " + std::to_string(error->line) + ": " + text;
}

std::int64_t milliseconds(std::string_view seconds) {
  double value = 0;
  const auto [end, error] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), value);
  if (error != std::errc{} || !std::isfinite(value) || value < 0 || value > 1e9) return 0;
  return static_cast<std::int64_t>(std::llround(value * 1000));
}

int line_number(std::string_view text) {
  int line = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), line);
  return error == std::errc{} && end == text.data() + text.size() && line > 0 ? line : 0;
}

// "path:12" when the whole of `text` is that: the file and the line.
bool split_file_line(std::string_view text, std::string& file, int& line) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const int number = line_number(text.substr(colon + 1));
  const std::string_view path = text.substr(0, colon);
  if (number == 0 || path.find_first_of(" \t") != std::string_view::npos) return false;
  file = path;
  line = number;
  return true;
}

// Where a failure happened: GoogleTest starts a failure's message with
// "file:line" on a line of its own, more precise than its case's line;
// otherwise the case's file and line, else the last "file:line: " line of
// the text, as pytest ends it ("tests/test_a.py:7: AssertionError").
void find_place(TestCase& test) {
  const std::string_view message = test.message;
  if (split_file_line(message.substr(0, message.find('\n')), test.file, test.line) || test.line > 0) return;
  std::string_view text = test.output;
  while (!text.empty()) {
    const auto start = text.rfind('\n', text.size() - 1);
    const std::string_view last = start == std::string_view::npos ? text : text.substr(start + 1);
    const auto mark = last.find(": ");
    if (mark != std::string_view::npos && split_file_line(last.substr(0, mark), test.file, test.line)) return;
    if (start == std::string_view::npos) return;
    text = text.substr(0, start);
  }
}

// A text growing to at most `most` bytes, counting what did not fit.
class BoundedText {
 public:
  explicit BoundedText(std::size_t most) : most_{most} {}
  void append(std::string_view piece) {
    seen_ += piece.size();
    if (text_.size() < most_) text_.append(piece.substr(0, most_ - text_.size()));
  }
  bool empty() const { return seen_ == 0; }
  // Cut to the bound, saying how long it was; empty again after.
  std::string take() {
    std::string out = core::bounded_test_text(text_, most_, seen_);
    text_.clear();
    seen_ = 0;
    return out;
  }

 private:
  std::size_t most_;
  std::string text_;
  std::size_t seen_ = 0;
};

// Walks a report node by node.
class JunitReader {
 public:
  JunitReader(xmlTextReaderPtr reader, const CaseSink& sink) : reader_{reader}, sink_{sink} {}

  ReadOutcome read() {
    for (;;) {
      const int got = xmlTextReaderRead(reader_);
      if (got == 0) break;
      if (got < 0) return not_xml();
      const int type = xmlTextReaderNodeType(reader_);
      if (type == kDoctype) return std::string{"is refused: it has a DOCTYPE, which no test report needs"};
      if (type == kElement) {
        if (ReadOutcome started = start_element(); !started) return started;
        if (stopped_) return {};
      } else if (type == kEndElement) {
        end_element();
        if (stopped_) return {};
      } else if (type == kText || type == kCdata || type == kWhitespace) {
        text(view(xmlTextReaderConstValue(reader_)));
      }
    }
    if (!root_seen_) return std::string{"is not a JUnit report: it has no root element"};
    return {};
  }

  std::string error_text;  // libxml2's first error, filled by keep_first_error

 private:
  // What the text read now belongs to.
  enum class Capture { Nothing, Failure, Output };

  ReadOutcome not_xml() const {
    return "is not XML: " + (error_text.empty() ? std::string{"it breaks off"} : error_text);
  }

  std::string attribute(const char* name) const {
    xmlChar* value = xmlTextReaderGetAttribute(reader_, reinterpret_cast<const xmlChar*>(name));
    if (!value) return {};
    std::string text{view(value)};
    xmlFree(value);
    return text;
  }

  ReadOutcome start_element() {
    const std::string_view name = view(xmlTextReaderConstLocalName(reader_));
    const int depth = xmlTextReaderDepth(reader_);
    const bool empty = xmlTextReaderIsEmptyElement(reader_) == 1;
    if (!root_seen_) {
      root_seen_ = true;
      if (name != "testsuites" && name != "testsuite")
        return "is not a JUnit report: its root element is <" + std::string{name} +
               ">, not <testsuites> or <testsuite>";
    }
    if (!current_) {
      if (name == "testsuite") {
        if (!empty) suites_.push_back({depth, attribute("name")});
      } else if (name == "testcase") {
        start_case(depth);
        if (empty) finish_case();
      }
      return {};
    }
    if (depth != case_depth_ + 1) return {};  // deeper: Surefire's <stackTrace> of a flakyFailure, say
    if (name == "failure" || name == "error") {
      // GoogleTest writes a <failure> per failed expectation: the first says
      // what the case is; the texts of all are its output.
      const bool first = current_->status != CaseStatus::Failed && current_->status != CaseStatus::Errored;
      current_->status = name == "failure" ? CaseStatus::Failed : CaseStatus::Errored;
      if (first) take_failure_attributes();
      capture(Capture::Failure, empty);
    } else if (name == "flakyFailure" || name == "flakyError") {
      // Surefire: it failed, was run again and passed, within this run.
      if (!current_->flaky && current_->status == CaseStatus::Passed) {
        current_->flaky = true;
        take_failure_attributes();
      }
    } else if (name == "skipped") {
      if (current_->status == CaseStatus::Passed) current_->status = CaseStatus::Skipped;
    } else if (name == "system-out" || name == "system-err") {
      capture(Capture::Output, empty);
    }
    return {};
  }

  void end_element() {
    const int depth = xmlTextReaderDepth(reader_);
    if (current_ && depth == case_depth_) return finish_case();
    if (current_ && depth == case_depth_ + 1) {
      capture_ = Capture::Nothing;
      return;
    }
    if (!current_ && !suites_.empty() && suites_.back().depth == depth) suites_.pop_back();
  }

  void text(std::string_view text) {
    if (capture_ == Capture::Failure) failure_.append(text);
    if (capture_ == Capture::Output) output_.append(text);
  }

  // Texts of several elements (two <failure>s, <system-out> and
  // <system-err>) go on a line each.
  void capture(Capture what, bool empty) {
    if (empty) return;
    capture_ = what;
    BoundedText& text = what == Capture::Failure ? failure_ : output_;
    if (!text.empty()) text.append("\n");
  }

  void start_case(int depth) {
    current_.emplace();
    case_depth_ = depth;
    current_->name = core::bounded_test_text(attribute("name"), core::kMaxTestNameBytes);
    std::string suite = attribute("classname");
    if (suite.empty() && !suites_.empty()) suite = suites_.back().name;
    current_->suite = core::bounded_test_text(suite, core::kMaxTestNameBytes);
    current_->time_ms = milliseconds(attribute("time"));
    current_->file = core::bounded_test_text(attribute("file"), core::kMaxTestFileBytes);
    current_->line = line_number(attribute("line"));
    // GoogleTest: a disabled test is not run, a GTEST_SKIP()ped one is skipped.
    const std::string result = attribute("result");
    if (attribute("status") == "notrun" || result == "skipped" || result == "suppressed")
      current_->status = CaseStatus::Skipped;
  }

  void take_failure_attributes() {
    current_->message = core::bounded_test_text(attribute("message"), core::kMaxTestMessageBytes);
    current_->type = core::bounded_test_text(attribute("type"), core::kMaxTestTypeBytes);
  }

  void finish_case() {
    TestCase test = std::move(*current_);
    current_.reset();
    capture_ = Capture::Nothing;
    const bool failed = test.status == CaseStatus::Failed || test.status == CaseStatus::Errored;
    if (failed || test.flaky) {
      std::string output = failure_.take();
      const std::string captured = output_.take();
      if (!captured.empty()) output += (output.empty() || output.ends_with('\n') ? "" : "\n") + captured;
      while (!output.empty() && std::isspace(static_cast<unsigned char>(output.back()))) output.pop_back();
      test.output = core::bounded_test_text(output, core::kMaxTestOutputBytes);
      find_place(test);
    } else {
      test.message.clear();
      test.type.clear();
      failure_.take();
      output_.take();
    }
    if (!sink_(std::move(test))) stopped_ = true;
  }

  struct Suite {
    int depth;
    std::string name;
  };

  xmlTextReaderPtr reader_;
  const CaseSink& sink_;
  bool root_seen_ = false;
  bool stopped_ = false;
  std::vector<Suite> suites_;  // the open <testsuite> elements, outermost first
  std::optional<TestCase> current_;
  int case_depth_ = 0;
  Capture capture_ = Capture::Nothing;
  BoundedText failure_{core::kMaxTestOutputBytes};
  BoundedText output_{core::kMaxTestOutputBytes};
};

}  // namespace

ReadOutcome read_junit_file(const std::filesystem::path& file, const CaseSink& sink) {
  static std::once_flag initialized;
  std::call_once(initialized, [] { xmlInitParser(); });
  // Never through a symbolic link: a build could point one at the agent's files.
  const Fd fd{::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
  if (fd.get() < 0)
    return std::string{errno == ELOOP ? "is a symbolic link, which is not read" : "cannot be read: " + std::string{std::strerror(errno)}};
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return "cannot be read: " + std::string{std::strerror(errno)};
  if (!S_ISREG(info.st_mode)) return std::string{"is not a regular file"};
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > kMaxReportBytes)
    return "is " + core::byte_size_text(size) + ", over the " + core::byte_size_text(kMaxReportBytes) +
           " a test report may be; it was not read";
  const std::unique_ptr<xmlTextReader, ReaderDeleter> reader{
      xmlReaderForFd(fd.get(), nullptr, nullptr, kParseOptions)};
  if (!reader) return std::string{"cannot be read: libxml2 could not start"};
  JunitReader junit{reader.get(), sink};
  xmlTextReaderSetStructuredErrorHandler(reader.get(), keep_first_error, &junit.error_text);
  return junit.read();
}

}  // namespace reports
