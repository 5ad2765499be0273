// Cuts a byte stream into lines: complete lines as they arrive, a line longer
// than the bound in pieces of the bound, and the unterminated rest at the end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace runner {

class LineSplitter {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  explicit LineSplitter(std::size_t max_line = kMaxLine) : max_line_(max_line) {}

  // Appends to `lines` every line completed by `data` and keeps the
  // unterminated rest. The lines point into `data` or into the splitter and
  // stay valid until the next feed or finish, so that a whole read can be
  // handed on at once.
  void feed(std::string_view data, std::vector<std::string_view>& lines);
  // Appends the unterminated rest, if any (end of stream); valid as above.
  void finish(std::vector<std::string_view>& lines);

 private:
  // Completes the line begun by earlier data (in `joined_`, or its first
  // piece if it reaches the bound); returns what is left of `data`.
  std::string_view join_pending(std::string_view data, std::vector<std::string_view>& lines);

  std::size_t max_line_;
  std::string pending_;  // the unterminated rest, shorter than the bound
  std::string joined_;   // the line that joined it, until the next call
};

}  // namespace runner
