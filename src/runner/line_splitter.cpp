#include "runner/line_splitter.h"

#include <algorithm>

namespace runner {

namespace {

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

void LineSplitter::feed(std::string_view data, std::vector<std::string_view>& lines) {
  if (!pending_.empty()) data = join_pending(data, lines);
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      for (; data.size() >= max_line_; data.remove_prefix(max_line_))
        lines.push_back(data.substr(0, max_line_));
      pending_.assign(data);
      return;
    }
    auto line = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    for (; line.size() > max_line_; line.remove_prefix(max_line_))
      lines.push_back(line.substr(0, max_line_));
    lines.push_back(without_cr(line));
  }
}

std::string_view LineSplitter::join_pending(std::string_view data,
                                            std::vector<std::string_view>& lines) {
  auto room = max_line_ - pending_.size();
  auto newline = data.substr(0, room + 1).find('\n');
  if (newline == std::string_view::npos && data.size() < room) {
    pending_.append(data);
    return {};
  }
  bool ends_line = newline != std::string_view::npos;
  pending_.append(data.substr(0, ends_line ? newline : room));
  joined_.swap(pending_);
  pending_.clear();
  lines.push_back(ends_line ? without_cr(joined_) : std::string_view(joined_));
  return data.substr(ends_line ? newline + 1 : room);
}

void LineSplitter::finish(std::vector<std::string_view>& lines) {
  if (pending_.empty()) return;
  joined_.swap(pending_);
  pending_.clear();
  lines.push_back(without_cr(joined_));
}

}  // namespace runner
