#include "core/secret_mask.h"

#include <algorithm>

namespace core {

namespace {

// Each line of `value`, without a trailing carriage return.
std::vector<std::string_view> lines_of(std::string_view value) {
  std::vector<std::string_view> lines;
  while (!value.empty()) {
    const std::size_t end = std::min(value.find('\n'), value.size());
    std::string_view line = value.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    value.remove_prefix(std::min(end + 1, value.size()));
  }
  return lines;
}

}  // namespace

SecretMask::Piece::Piece(std::string_view piece) : text(piece) {
  const std::size_t last = text.size() - 1;
  skip.fill(static_cast<std::uint32_t>(text.size()));
  for (std::size_t i = 0; i < last; ++i)
    skip[static_cast<unsigned char>(text[i])] = static_cast<std::uint32_t>(last - i);
}

SecretMask::SecretMask(const Env& secrets) { add(secrets, {}); }

SecretMask SecretMask::with(const Env& more) const {
  SecretMask mask;
  std::vector<std::string_view> texts;
  for (const Piece& piece : pieces_) texts.push_back(piece.text);
  mask.add(more, std::move(texts));
  return mask;
}

void SecretMask::add(const Env& secrets, std::vector<std::string_view> texts) {
  for (const auto& [name, value] : secrets)
    for (std::string_view line : lines_of(value))
      if (line.size() >= kMinimumLength) texts.push_back(line);
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  for (std::string_view text : texts) {
    pieces_.emplace_back(text);
    longest_ = std::max(longest_, text.size());
  }
}

// Where the pieces occur in `line`, sorted; overlapping occurrences of one
// piece count too ("aaaa" twice in "aaaaa").
std::vector<SecretMask::Span> SecretMask::occurrences(std::string_view line) const {
  std::vector<Span> spans;
  for (const Piece& piece : pieces_) {
    const std::size_t size = piece.text.size();
    for (std::size_t at = 0; at + size <= line.size();
         at += piece.skip[static_cast<unsigned char>(line[at + size - 1])])
      if (line.compare(at, size, piece.text) == 0) spans.push_back({at, at + size});
  }
  std::sort(spans.begin(), spans.end());
  return spans;
}

std::string SecretMask::apply(std::string_view line) const {
  std::string masked;
  masked.reserve(line.size());
  Run run;
  mask_part(line, line.size(), run, masked);
  return masked;
}

// Occurrences that overlap or touch make one run and one ***. Any occurrence
// `text` does not hold whole begins at `limit` or later, so a run ending
// before `limit` is complete, and one reaching it may still grow.
void SecretMask::mask_part(std::string_view text, std::size_t limit, Run& run, std::string& masked) const {
  std::size_t shown = run.open ? run.end : 0;  // text[0, shown) is in `masked`, as it was or hidden
  bool hiding = run.open;                      // text[.., shown) ended hidden
  for (const Span& span : occurrences(text)) {
    if (hiding && span.begin <= shown) {
      shown = std::max(shown, span.end);
      continue;
    }
    if (span.begin >= limit) break;
    masked.append(text.substr(shown, span.begin - shown)).append(kReplacement);
    hiding = true;
    shown = span.end;
  }
  run.open = hiding && shown >= limit;
  if (run.open) {
    run.end = shown - limit;
    return;
  }
  masked.append(text.substr(shown, limit - shown));
}

void SecretMask::Stream::feed(std::string_view part, std::string& masked) {
  held_.append(part);
  const std::size_t keep = mask_->longest_ == 0 ? 0 : mask_->longest_ - 1;
  if (held_.size() <= keep) return;
  const std::size_t limit = held_.size() - keep;
  mask_->mask_part(held_, limit, run_, masked);
  held_.erase(0, limit);
}

void SecretMask::Stream::finish(std::string& masked) {
  mask_->mask_part(held_, held_.size(), run_, masked);
  held_.clear();
  run_ = {};
}

}  // namespace core
