// Cuts a byte stream into lines: complete lines as they arrive, a line longer
// than the bound in pieces of the bound, and the unterminated rest at the end.
// A template over the sink so that the per-line call inlines: a chatty
// execution prints millions of lines.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace runner {

class LineSplitter {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  explicit LineSplitter(std::size_t max_line = kMaxLine) : max_line_(max_line) {}

  // Calls sink(std::string_view) for every line completed by `data`; keeps
  // the unterminated rest.
  template <typename Sink>
  void feed(std::string_view data, Sink&& sink);
  // Emits the unterminated rest, if any (end of stream).
  template <typename Sink>
  void finish(Sink&& sink);

 private:
  static std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }
  // Appends to the pending line, emitting it each time it reaches the bound.
  template <typename Sink>
  void append_bounded(std::string_view piece, Sink& sink);

  std::size_t max_line_;
  std::string pending_;
};

template <typename Sink>
void LineSplitter::feed(std::string_view data, Sink&& sink) {
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      append_bounded(data, sink);
      return;
    }
    auto piece = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    if (pending_.empty() && piece.size() <= max_line_) {
      sink(without_cr(piece));  // the common case: no copy
      continue;
    }
    if (pending_.size() + piece.size() > max_line_) {
      // Cut so that exactly `max_line_` bytes remain for this last piece.
      auto keep = (pending_.size() + piece.size() - 1) % max_line_ + 1;
      append_bounded(piece.substr(0, piece.size() - keep), sink);
      piece = piece.substr(piece.size() - keep);
    }
    pending_.append(piece);
    sink(without_cr(pending_));
    pending_.clear();
  }
}

template <typename Sink>
void LineSplitter::append_bounded(std::string_view piece, Sink& sink) {
  while (!piece.empty()) {
    auto take = std::min(piece.size(), max_line_ - pending_.size());
    pending_.append(piece.substr(0, take));
    piece.remove_prefix(take);
    if (pending_.size() < max_line_) continue;
    sink(std::string_view(pending_));
    pending_.clear();
  }
}

template <typename Sink>
void LineSplitter::finish(Sink&& sink) {
  if (pending_.empty()) return;
  sink(without_cr(pending_));
  pending_.clear();
}

}  // namespace runner
