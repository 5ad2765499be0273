// String functions: case, trimming, splitting and joining, substrings.
// Positions and lengths count Unicode characters, never bytes.
#include <algorithm>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

std::string map_chars(std::string_view s, char32_t (*mapping)(char32_t)) {
  std::u32string chars = decode_utf8(s);
  std::transform(chars.begin(), chars.end(), chars.begin(), mapping);
  return encode_utf8(chars);
}

// Go's strings.Title: a letter after a separator starts a word. ASCII letters,
// digits and '_' are not separators; other ASCII characters and Unicode spaces are.
bool is_word_separator(char32_t c) {
  if (c < 0x80) return !(is_letter_or_digit(c) || c == '_');
  return is_space(c);
}

Value title(Args args) {
  std::u32string chars = decode_utf8(string_arg(args, 0, "str"));
  char32_t previous = ' ';
  for (char32_t& c : chars) {
    if (is_word_separator(previous)) c = to_upper(c);
    previous = c;
  }
  return encode_utf8(chars);
}

std::string trim_chars(std::string_view s, bool (*drop)(char32_t, std::u32string_view), std::u32string_view set) {
  std::u32string chars = decode_utf8(s);
  size_t begin = 0;
  size_t end = chars.size();
  while (begin < end && drop(chars[begin], set)) ++begin;
  while (end > begin && drop(chars[end - 1], set)) --end;
  return encode_utf8(std::u32string_view(chars).substr(begin, end - begin));
}

Value trimspace(Args args) {
  return trim_chars(string_arg(args, 0, "str"), [](char32_t c, std::u32string_view) { return is_space(c); }, {});
}

Value trim(Args args) {
  std::u32string cutset = decode_utf8(string_arg(args, 1, "cutset"));
  return trim_chars(
      string_arg(args, 0, "str"),
      [](char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }, cutset);
}

Value trimprefix(Args args) {
  std::string s = string_arg(args, 0, "str");
  std::string prefix = string_arg(args, 1, "prefix");
  return s.starts_with(prefix) ? s.substr(prefix.size()) : s;
}

Value trimsuffix(Args args) {
  std::string s = string_arg(args, 0, "str");
  std::string suffix = string_arg(args, 1, "suffix");
  return s.ends_with(suffix) ? s.substr(0, s.size() - suffix.size()) : s;
}

Value join(Args args) {
  std::string separator = string_arg(args, 0, "separator");
  if (args.size() < 2) fail_call("at least one list is required");
  std::string out;
  bool first = true;
  for (size_t i = 1; i < args.size(); ++i) {
    for (const std::string& item : string_list_arg(args, i, "lists")) {
      if (!first) out += separator;
      first = false;
      check_string_size(out.size() + item.size());
      out += item;
    }
  }
  return out;
}

Value split(Args args) {
  std::string separator = string_arg(args, 0, "separator");
  std::string s = string_arg(args, 1, "str");
  Tuple parts;
  if (separator.empty()) {  // like Go: one part per character
    std::u32string chars = decode_utf8(s);
    check_collection_size(chars.size());
    charge_bytes(chars.size() * kElementBytes);
    for (char32_t c : chars) parts.emplace_back(encode_utf8(std::u32string(1, c)));
    return parts;
  }
  size_t start = 0;
  for (size_t at; (at = s.find(separator, start)) != std::string::npos; start = at + separator.size()) {
    check_collection_size(parts.size() + 2);
    charge_bytes(kElementBytes);
    parts.emplace_back(s.substr(start, at - start));
  }
  parts.emplace_back(s.substr(start));
  return parts;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to) {
  std::string out;
  if (from.empty()) {  // like Go: the replacement goes around every character
    out = to;
    for (char32_t c : decode_utf8(s)) {
      out += encode_utf8(std::u32string(1, c)) + to;
      check_string_size(out.size());
    }
    return out;
  }
  size_t start = 0;
  for (size_t at; (at = s.find(from, start)) != std::string::npos; start = at + from.size()) {
    out += s.substr(start, at - start) + to;
    check_string_size(out.size());
  }
  return out + s.substr(start);
}

// A substring written between slashes is a regular expression, as in
// HCL's replace: replace("a1b22", "/[0-9]+/", "#") is "a#b#".
Value replace(Args args) {
  std::string s = string_arg(args, 0, "str");
  std::string substr = string_arg(args, 1, "substr");
  std::string replacement = string_arg(args, 2, "replace");
  if (substr.size() >= 2 && substr.front() == '/' && substr.back() == '/')
    return regex_replace_all(s, substr.substr(1, substr.size() - 2), replacement);
  return replace_all(s, substr, replacement);
}

// cty's substr: a negative offset counts from the end (clamped to the start),
// an offset past the end gives "", a negative length takes the rest.
Value substr(Args args) {
  std::u32string chars = decode_utf8(string_arg(args, 0, "str"));
  int64_t offset = integer_arg(args, 1, "offset");
  int64_t length = integer_arg(args, 2, "length");
  auto size = static_cast<int64_t>(chars.size());
  if (offset < 0) offset = std::max<int64_t>(0, size + offset);
  if (offset >= size) return "";
  int64_t available = size - offset;
  int64_t take = length < 0 ? available : std::min(length, available);
  return encode_utf8(std::u32string_view(chars).substr(static_cast<size_t>(offset), static_cast<size_t>(take)));
}

Value strrev(Args args) {
  std::u32string chars = decode_utf8(string_arg(args, 0, "str"));
  std::reverse(chars.begin(), chars.end());
  return encode_utf8(chars);
}

Value chomp(Args args) {
  std::string s = string_arg(args, 0, "str");
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Value indent(Args args) {
  int64_t spaces = integer_arg(args, 0, "spaces");
  if (spaces < 0) fail_arg(0, "spaces", "must not be negative");
  check_string_size(static_cast<size_t>(spaces));
  return replace_all(string_arg(args, 1, "str"), "\n", "\n" + std::string(static_cast<size_t>(spaces), ' '));
}

Value startswith(Args args) { return string_arg(args, 0, "str").starts_with(string_arg(args, 1, "prefix")); }
Value endswith(Args args) { return string_arg(args, 0, "str").ends_with(string_arg(args, 1, "suffix")); }
Value strcontains(Args args) {
  return string_arg(args, 0, "str").find(string_arg(args, 1, "substr")) != std::string::npos;
}

}  // namespace

std::vector<Function> string_functions() {
  return {
      {"upper", 1, 1, "upper(str)", [](Args a) -> Value { return map_chars(string_arg(a, 0, "str"), to_upper); }},
      {"lower", 1, 1, "lower(str)", [](Args a) -> Value { return map_chars(string_arg(a, 0, "str"), to_lower); }},
      {"title", 1, 1, "title(str)", title},
      {"trimspace", 1, 1, "trimspace(str)", trimspace},
      {"trim", 2, 2, "trim(str, cutset)", trim},
      {"trimprefix", 2, 2, "trimprefix(str, prefix)", trimprefix},
      {"trimsuffix", 2, 2, "trimsuffix(str, suffix)", trimsuffix},
      {"join", 1, -1, "join(separator, lists...)", join},
      {"split", 2, 2, "split(separator, str)", split},
      {"replace", 3, 3, "replace(str, substr, replace)", replace},
      {"substr", 3, 3, "substr(str, offset, length)", substr},
      {"strrev", 1, 1, "strrev(str)", strrev},
      {"chomp", 1, 1, "chomp(str)", chomp},
      {"indent", 2, 2, "indent(spaces, str)", indent},
      {"startswith", 2, 2, "startswith(str, prefix)", startswith},
      {"endswith", 2, 2, "endswith(str, suffix)", endswith},
      {"strcontains", 2, 2, "strcontains(str, substr)", strcontains},
  };
}

}  // namespace hcl::fn
