#include "runner/line_splitter.h"

#include <algorithm>

namespace runner {

namespace {
std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}
}  // namespace

void LineSplitter::feed(std::string_view data, const Sink& sink) {
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      // No end of line yet: keep the piece, cutting it at the bound.
      while (!data.empty()) {
        auto take = std::min(data.size(), max_line_ - pending_.size());
        pending_.append(data.substr(0, take));
        data.remove_prefix(take);
        emit_pending_if_full(sink);
      }
      return;
    }
    auto piece = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    if (pending_.empty() && piece.size() <= max_line_) {
      sink(without_cr(piece));  // the common case: no copy
      continue;
    }
    while (pending_.size() + piece.size() > max_line_) {
      auto take = max_line_ - pending_.size();
      pending_.append(piece.substr(0, take));
      piece.remove_prefix(take);
      emit_pending_if_full(sink);
    }
    pending_.append(piece);
    sink(without_cr(pending_));
    pending_.clear();
  }
}

void LineSplitter::emit_pending_if_full(const Sink& sink) {
  if (pending_.size() < max_line_) return;
  sink(pending_);
  pending_.clear();
}

void LineSplitter::finish(const Sink& sink) {
  if (pending_.empty()) return;
  sink(without_cr(pending_));
  pending_.clear();
}

}  // namespace runner
