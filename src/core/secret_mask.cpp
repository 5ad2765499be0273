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

SecretMask::SecretMask(const Env& secrets) {
  std::vector<std::string_view> texts;
  for (const auto& [name, value] : secrets)
    for (std::string_view line : lines_of(value))
      if (line.size() >= kMinimumLength) texts.push_back(line);
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  for (std::string_view text : texts) pieces_.emplace_back(text);
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
  const std::vector<Span> spans = occurrences(line);
  std::string masked;
  masked.reserve(line.size());
  std::size_t shown = 0;  // line[0, shown) is in `masked`, as it was or hidden
  for (auto span = spans.begin(); span != spans.end();) {
    const std::size_t begin = span->begin;
    std::size_t end = span->end;
    for (++span; span != spans.end() && span->begin <= end; ++span) end = std::max(end, span->end);
    masked.append(line.substr(shown, begin - shown)).append(kReplacement);
    shown = end;
  }
  masked.append(line.substr(shown));
  return masked;
}

}  // namespace core
