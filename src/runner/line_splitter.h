// Cuts a byte stream into lines: complete lines as they arrive, a line longer
// than the bound in pieces of the bound, and the unterminated rest at the end.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace runner {

class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view line)>;
  static constexpr std::size_t kMaxLine = 64 * 1024;

  explicit LineSplitter(std::size_t max_line = kMaxLine) : max_line_(max_line) {}

  // Emits every line completed by `data`; keeps the unterminated rest.
  void feed(std::string_view data, const Sink& sink);
  // Emits the unterminated rest, if any (end of stream).
  void finish(const Sink& sink);

 private:
  void emit_pending_if_full(const Sink& sink);

  std::size_t max_line_;
  std::string pending_;
};

}  // namespace runner
