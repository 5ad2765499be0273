#include "hcl/diagnostics.h"

#include <algorithm>

namespace hcl {

namespace {

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Columns count characters, not bytes: skip UTF-8 continuation bytes.
uint32_t count_columns(std::string_view text) {
  return static_cast<uint32_t>(std::count_if(text.begin(), text.end(), [](char c) { return !is_utf8_continuation(c); }));
}

}  // namespace

SourceFile::SourceFile(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}

const std::vector<uint32_t>& SourceFile::line_starts() const {
  std::call_once(line_starts_built_, [this] {
    // Counted first so that the index is allocated once, at its final size.
    line_starts_.reserve(static_cast<size_t>(std::count(text_.begin(), text_.end(), '\n')) + 1);
    line_starts_.push_back(0);
    for (uint32_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
  });
  return line_starts_;
}

Text SourceFile::store(std::string_view s) {
  auto begin = reinterpret_cast<uintptr_t>(text_.data());
  auto at = reinterpret_cast<uintptr_t>(s.data());
  if (at >= begin && at + s.size() <= begin + text_.size())
    return {static_cast<uint32_t>(at - begin), static_cast<uint32_t>(s.size())};
  Text t{static_cast<uint32_t>(text_.size() + decoded_.size()), static_cast<uint32_t>(s.size())};
  decoded_.append(s);
  return t;
}

Pos SourceFile::position(uint32_t byte) const {
  byte = std::min<uint32_t>(byte, static_cast<uint32_t>(text_.size()));
  const std::vector<uint32_t>& starts = line_starts();
  auto it = std::upper_bound(starts.begin(), starts.end(), byte);
  uint32_t line_index = static_cast<uint32_t>(it - starts.begin()) - 1;
  uint32_t line_start = starts[line_index];
  Pos p;
  p.line = line_index + 1;
  p.column = count_columns(std::string_view(text_).substr(line_start, byte - line_start)) + 1;
  p.byte = byte;
  return p;
}

std::string_view SourceFile::line_text(uint32_t byte) const {
  Pos p = position(byte);
  const std::vector<uint32_t>& starts = line_starts();
  uint32_t start = starts[p.line - 1];
  uint32_t end = p.line < starts.size() ? starts[p.line] : static_cast<uint32_t>(text_.size());
  std::string_view line = std::string_view(text_).substr(start, end - start);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

Range make_range(const std::shared_ptr<const SourceFile>& file, Span span) {
  Range r;
  r.file = file;
  if (file) {
    r.start = file->position(span.begin);
    r.end = file->position(span.end);
  }
  return r;
}

void Diagnostics::error(const std::shared_ptr<const SourceFile>& file, Span span, std::string summary,
                        std::string detail) {
  Diagnostic d;
  d.severity = Severity::Error;
  d.summary = std::move(summary);
  d.detail = std::move(detail);
  d.subject = make_range(file, span);
  add(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::string render(const Diagnostic& d, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* red = color ? "\033[1;31m" : "";
  const char* yellow = color ? "\033[1;33m" : "";
  const char* green = color ? "\033[1;32m" : "";
  const char* reset = color ? "\033[0m" : "";
  bool is_error = d.severity == Severity::Error;

  std::string out = bold;
  if (d.subject.file)
    out += d.subject.file->name() + ":" + std::to_string(d.subject.start.line) + ":" +
           std::to_string(d.subject.start.column) + ": ";
  out += std::string(is_error ? red : yellow) + (is_error ? "error: " : "warning: ") + reset + bold + d.summary +
         reset + "\n";
  if (!d.detail.empty()) out += d.detail + "\n";
  if (!d.subject.file) return out;

  std::string_view line = d.subject.file->line_text(d.subject.start.byte);
  std::string gutter = std::to_string(d.subject.start.line);
  out += " " + gutter + " | " + std::string(line) + "\n";
  out += " " + std::string(gutter.size(), ' ') + " | ";
  // Tabs stay tabs under the source line so the caret lines up.
  uint32_t prefix_columns = d.subject.start.column - 1;
  uint32_t col = 0;
  for (size_t i = 0; i < line.size() && col < prefix_columns; ++i) {
    if (is_utf8_continuation(line[i])) continue;
    out += line[i] == '\t' ? '\t' : ' ';
    ++col;
  }
  uint32_t width = 1;
  if (d.subject.end.line == d.subject.start.line && d.subject.end.column > d.subject.start.column)
    width = d.subject.end.column - d.subject.start.column;
  out += std::string(green) + "^" + std::string(width - 1, '~') + reset + "\n";
  return out;
}

std::string render(const Diagnostics& ds, bool color) {
  std::string out;
  for (const auto& d : ds) out += render(d, color);
  return out;
}

}  // namespace hcl
