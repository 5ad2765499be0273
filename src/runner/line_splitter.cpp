#include "runner/line_splitter.h"

#include <utility>

namespace runner {

namespace {

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Where to cut `text` at `at` or up to 3 bytes before, so that text[at] is
// not the middle of a UTF-8 sequence; `at` when the text there is not UTF-8.
std::size_t utf8_cut(std::string_view text, std::size_t at) {
  for (std::size_t back = 0; back < 4 && back < at; ++back)
    if ((static_cast<unsigned char>(text[at - back]) & 0xC0) != 0x80) return at - back;
  return at;
}

}  // namespace

LineSplitter::LineSplitter(std::size_t max_line, const core::SecretMask* mask)
    : max_line_(max_line), mask_(mask != nullptr && !mask->empty() ? mask : nullptr) {
  if (mask_) masking_.emplace(*mask_);
}

void LineSplitter::feed(std::string_view data, std::vector<std::string_view>& lines) {
  handed_.clear();
  for (auto newline = data.find('\n'); newline != std::string_view::npos; newline = data.find('\n')) {
    end_line(data.substr(0, newline), lines);
    data.remove_prefix(newline + 1);
  }
  extend(data, lines);
}

void LineSplitter::finish(std::vector<std::string_view>& lines) {
  handed_.clear();
  if (line_begun()) end_line({}, lines);
}

void LineSplitter::extend(std::string_view part, std::vector<std::string_view>& lines) {
  if (part.empty()) return;
  begun_ = true;
  if (masking_)
    masking_->feed(part, line_);
  else
    line_.append(part);
  cut(lines);
}

void LineSplitter::end_line(std::string_view part, std::vector<std::string_view>& lines) {
  if (!line_begun()) {  // the whole line is in this read
    if (!mask_ && without_cr(part).size() <= max_line_) {
      lines.push_back(without_cr(part));
      return;
    }
    line_ = mask_ ? mask_->apply(part) : std::string(part);
  } else if (masking_) {
    masking_->feed(part, line_);
    masking_->finish(line_);
  } else {
    line_.append(part);
  }
  begun_ = false;
  // A masked line ends with \r when the line did: no secret's line ends with one.
  if (line_.ends_with('\r')) line_.pop_back();
  cut(lines);
  hand_on(std::exchange(line_, {}), lines);
}

void LineSplitter::cut(std::vector<std::string_view>& lines) {
  std::size_t begin = 0;
  while (line_.size() - begin > max_line_) {
    const std::size_t end = begin + utf8_cut(std::string_view(line_).substr(begin), max_line_);
    hand_on(line_.substr(begin, end - begin), lines);
    begin = end;
  }
  line_.erase(0, begin);
}

void LineSplitter::hand_on(std::string text, std::vector<std::string_view>& lines) {
  handed_.push_back(std::move(text));
  lines.push_back(handed_.back());
}

}  // namespace runner
