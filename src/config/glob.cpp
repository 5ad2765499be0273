#include "config/glob.h"

#include "hcl/budget.h"

namespace config {

namespace {

// Bytes in the UTF-8 sequence that starts with `lead`, so that `?` matches
// one character, not one byte.
size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

bool starts_segment(std::string_view pattern, size_t i) { return i == 0 || pattern[i - 1] == '/'; }

}  // namespace

std::optional<Glob::Token> Glob::compile_class(std::string_view pattern, size_t& i, std::string& error) {
  size_t open = i++;
  Token token{Kind::Class};
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    token.negated = true;
    ++i;
  }
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
    char low = pattern[i++];
    char high = low;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      high = pattern[i + 1];
      i += 2;
    }
    if (high < low) {
      error = "the range " + std::string{low} + "-" + std::string{high} + " in pattern \"" +
              std::string(pattern) + "\" is reversed";
      return std::nullopt;
    }
    token.ranges.emplace_back(low, high);
  }
  if (i >= pattern.size()) {
    error = "the '[' at offset " + std::to_string(open) + " of pattern \"" + std::string(pattern) +
            "\" is never closed; write \\[ for a literal bracket";
    return std::nullopt;
  }
  ++i;  // the closing ']'
  return token;
}

std::optional<Glob> Glob::compile(std::string_view pattern, std::string& error) {
  Glob glob;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '*') {
      size_t start = i;
      while (i < pattern.size() && pattern[i] == '*') ++i;
      if (i - start == 1) {
        glob.tokens_.push_back({Kind::Star});
      } else if (starts_segment(pattern, start) && i < pattern.size() && pattern[i] == '/') {
        glob.tokens_.push_back({Kind::AnyDirs});
        ++i;  // the '/' belongs to the zero-or-more directories
      } else {
        glob.tokens_.push_back({Kind::AnyPath});
      }
    } else if (c == '?') {
      glob.tokens_.push_back({Kind::AnyChar});
      ++i;
    } else if (c == '[') {
      auto token = compile_class(pattern, i, error);
      if (!token) return std::nullopt;
      glob.tokens_.push_back(std::move(*token));
    } else {
      if (c == '\\') {
        if (++i == pattern.size()) {
          error = "pattern \"" + std::string(pattern) + "\" ends with a lone '\\'";
          return std::nullopt;
        }
        c = pattern[i];
      }
      glob.tokens_.push_back({Kind::Literal, c});
      ++i;
    }
  }
  return glob;
}

bool Glob::matches_one(const Token& token, char c) const {
  if (token.kind == Kind::Literal) return c == token.literal;
  if (c == '/') return false;
  if (token.kind == Kind::AnyChar) return true;
  bool in_class = false;
  for (auto [low, high] : token.ranges) in_class = in_class || (low <= c && c <= high);
  return in_class != token.negated;
}

// Dynamic programming over (token, position) from the end, one row per
// token: linear in pattern × name, whatever the stars, so no backtracking
// blow-up on hostile patterns. Still, a long pattern against many long
// changed paths takes time: it counts against the budget of the plan.
bool Glob::matches(std::string_view name) const {
  const size_t m = name.size();
  hcl::step(tokens_.size() * (m + 1) / 64 + 1);
  std::vector<char> next(m + 1, 0);  // row i + 1: tokens_[i + 1..] match name[j..]
  next[m] = 1;
  std::vector<char> row(m + 1, 0);
  for (size_t t = tokens_.size(); t-- > 0;) {
    const Token& token = tokens_[t];
    bool after_slash = false;  // AnyDirs: some '/' at k >= j with next[k + 1]
    for (size_t j = m + 1; j-- > 0;) {
      bool more = j < m;
      switch (token.kind) {
        case Kind::Star:
          row[j] = next[j] || (more && name[j] != '/' && row[j + 1]);
          break;
        case Kind::AnyPath:
          row[j] = next[j] || (more && row[j + 1]);
          break;
        case Kind::AnyDirs:
          after_slash = after_slash || (more && name[j] == '/' && next[j + 1]);
          row[j] = next[j] || after_slash;
          break;
        case Kind::AnyChar: {
          size_t length = more ? utf8_length(static_cast<unsigned char>(name[j])) : 0;
          row[j] = more && name[j] != '/' && j + length <= m && next[j + length];
          break;
        }
        default:
          row[j] = more && matches_one(token, name[j]) && next[j + 1];
      }
    }
    std::swap(row, next);
  }
  return next[0];
}

std::optional<GlobList> GlobList::compile(const std::vector<std::string>& patterns, std::string& error) {
  GlobList list;
  for (const auto& pattern : patterns) {
    bool exclude = !pattern.empty() && pattern[0] == '!';
    auto glob = Glob::compile(std::string_view(pattern).substr(exclude ? 1 : 0), error);
    if (!glob) return std::nullopt;
    list.entries_.push_back({std::move(*glob), exclude});
  }
  return list;
}

bool GlobList::matches(std::string_view name) const {
  bool included = !entries_.empty() && entries_.front().exclude;
  for (const auto& entry : entries_)
    if (entry.glob.matches(name)) included = !entry.exclude;
  return included;
}

}  // namespace config
