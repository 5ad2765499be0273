// Diagnostics: errors and warnings with exact source positions.
//
// Every diagnostic names a file and a byte range in it; line and column are
// resolved from the file's line index when the diagnostic is made. Rendering
// gives `file:line:col: error: summary`, the detail, the source line and a
// caret under the range, the way a compiler does.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hcl {

// A position in a source file. Lines and columns count from 1; a column
// counts Unicode characters (a tab is one column), a byte offset from 0.
struct Pos {
  uint32_t line = 1;
  uint32_t column = 1;
  uint32_t byte = 0;
};

// Byte offsets [begin, end) into one source file. Kept in AST nodes because
// it is small; resolve it through SourceFile to get lines and columns.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return begin == end; }
};

// A string of the syntax tree: `size` bytes from `offset` in its source
// file's text or, from offset text().size() on, in the decoded strings kept
// beside the text. 8 bytes where a string_view takes 16.
struct Text {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// One input file: its name, its bytes, and an index of where lines start.
// Immutable once parsed; shared by the AST and by diagnostics.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  std::string_view text() const { return text_; }
  std::string_view text(Text t) const {
    return t.offset < text_.size() ? std::string_view(text_).substr(t.offset, t.size)
                                   : std::string_view(decoded_).substr(t.offset - text_.size(), t.size);
  }
  // `s` as a Text: where it lies in the text, or else copied to the decoded
  // strings (parsing only: those that differ from their source).
  Text store(std::string_view s);
  std::string_view slice(Span s) const { return std::string_view(text_).substr(s.begin, s.end - s.begin); }
  Pos position(uint32_t byte) const;
  // The text of the line holding `byte`, without its line ending.
  std::string_view line_text(uint32_t byte) const;

 private:
  // Built on the first call (from any thread): a file that parses without
  // errors never needs it, and it takes 4 bytes a line.
  const std::vector<uint32_t>& line_starts() const;

  std::string name_;
  std::string text_;
  std::string decoded_;
  mutable std::once_flag line_starts_built_;
  mutable std::vector<uint32_t> line_starts_;
};

enum class Severity { Error, Warning };

struct Range {
  std::shared_ptr<const SourceFile> file;  // null for diagnostics with no place
  Pos start;
  Pos end;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string summary;  // short: "Unclosed configuration block"
  std::string detail;   // what happened and how to fix it
  Range subject;        // where the problem is
  Range context;        // optional wider range, e.g. the whole block (file may be null)
};

Range make_range(const std::shared_ptr<const SourceFile>& file, Span span);

// An ordered list of diagnostics. Parsing and evaluation append to it and go
// on where they can, so that a user sees every independent error at once.
class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void error(const std::shared_ptr<const SourceFile>& file, Span span, std::string summary,
             std::string detail);
  void append(const Diagnostics& other);

  bool has_errors() const;
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const Diagnostic& operator[](size_t i) const { return items_[i]; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Diagnostic> items_;
};

// Renders one diagnostic for a terminal: header line, detail, the source line
// and a caret (or tildes) under the subject range. `color` adds ANSI colours.
std::string render(const Diagnostic& d, bool color = false);
std::string render(const Diagnostics& ds, bool color = false);

}  // namespace hcl
