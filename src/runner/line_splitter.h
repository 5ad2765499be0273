// Cuts a byte stream into lines: complete lines as they arrive, a line longer
// than the bound in pieces of at most the bound, and the unterminated rest at
// the end. With a secret mask, lines come out masked, and a long line is
// masked before it is cut: a secret that a cut would split is hidden whole.
// Cuts never split a UTF-8 sequence (text that is not UTF-8 is cut at the
// bound).
//
// Thread-safety: none; one splitter belongs to one pipe's reader.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_mask.h"

namespace runner {

class LineSplitter {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  // `mask`, if given, must outlive the splitter.
  explicit LineSplitter(std::size_t max_line = kMaxLine, const core::SecretMask* mask = nullptr);

  // Appends to `lines` every line (or piece of a long line) completed by
  // `data` and keeps the unterminated rest. The lines point into `data` or
  // into the splitter and stay valid until the next feed or finish, so that
  // a whole read can be handed on at once.
  void feed(std::string_view data, std::vector<std::string_view>& lines);
  // Appends the unterminated rest, if any (end of stream); valid as above.
  void finish(std::vector<std::string_view>& lines);

 private:
  // Adds bytes of the current line (no newline among them) and hands on the
  // pieces that are full.
  void extend(std::string_view part, std::vector<std::string_view>& lines);
  // Ends the current line, whose last bytes are `part`, and hands it on.
  void end_line(std::string_view part, std::vector<std::string_view>& lines);
  // Hands on pieces of `line_` while it is longer than the bound.
  void cut(std::vector<std::string_view>& lines);
  void hand_on(std::string text, std::vector<std::string_view>& lines);
  bool line_begun() const { return !line_.empty() || begun_; }

  std::size_t max_line_;
  const core::SecretMask* mask_;  // null when there is nothing to hide
  std::optional<core::SecretMask::Stream> masking_;  // with a mask
  std::string line_;  // the current line's bytes not handed on: masked, with a mask
  bool begun_ = false;  // bytes of the current line were fed (the stream may hold them)
  std::deque<std::string> handed_;  // lines handed on by the last call, when not in `data`
};

}  // namespace runner
