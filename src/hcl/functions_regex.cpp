// regex, regexall, and replace's /pattern/ form. HCL's patterns are Go's
// regexp syntax, which is RE2's: we run them on RE2, whose matching takes
// time linear in the input and whose compiled form is capped at
// kMaxProgramBytes, so no pattern can hang or exhaust the evaluator.
// Matches are walked as Go's FindAll and ReplaceAll walk them.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

// RE2's memory for one compiled pattern (its default, stated).
constexpr int64_t kMaxProgramBytes = int64_t{8} << 20;

// Go (1.22 on) also names groups as `(?<name>...)`, which this RE2 does not
// read yet: spell those `(?P<name>...)`.
std::string with_go_group_names(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    out += c;
    if (c == '\\' && i + 1 < pattern.size()) {
      out += pattern[++i];
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      if (pattern.substr(i + 1).starts_with("^]")) out += pattern[++i];
      if (pattern.substr(i + 1).starts_with("]")) out += pattern[++i];
    } else if (c == '(' && pattern.substr(i + 1).starts_with("?<") && pattern.size() > i + 3 &&
               pattern[i + 3] != '=' && pattern[i + 3] != '!') {
      out += "?P<";
      i += 2;
    }
  }
  return out;
}

std::unique_ptr<RE2> compile(const std::string& pattern, size_t arg) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxProgramBytes);
  auto re = std::make_unique<RE2>(with_go_group_names(pattern), options);
  if (!re->ok()) {
    std::string why = re->error_code() == RE2::ErrorPatternTooLarge
                          ? "the pattern is too large (its compiled form is over " +
                                std::to_string(kMaxProgramBytes >> 20) + " MiB); use a shorter one"
                          : re->error();
    fail_arg(arg, "pattern", "invalid regular expression: " + why);
  }
  return re;
}

// Calls visit(groups) with the whole match and the groups of every match,
// left to right, as Go's FindAll does: an empty match right after the
// previous match is skipped. Stops when visit returns false.
template <class Visit>
void for_each_match(const RE2& re, std::string_view s, Visit&& visit) {
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  const re2::StringPiece text(s.data(), s.size());
  size_t pos = 0;
  size_t previous_end = std::string_view::npos;
  while (pos <= s.size()) {
    step(s.size() - pos);  // a search may read the rest of the text
    if (!re.Match(text, pos, s.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) return;
    auto begin = static_cast<size_t>(groups[0].data() - s.data());
    size_t end = begin + groups[0].size();
    bool accept = !(groups[0].empty() && begin == previous_end);
    if (end == pos) {
      // An empty match here: on to the next character (UTF-8: skip its
      // continuation bytes).
      ++pos;
      while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) ++pos;
    } else {
      pos = end;
    }
    previous_end = end;
    if (accept && !visit(groups)) return;
  }
}

std::string text(const re2::StringPiece& piece) { return std::string(piece.data(), piece.size()); }

// One match as HCL gives it: the matched text for a pattern without groups,
// else a tuple of the groups, or an object of them when they are named. A
// group that took no part in the match is null.
Value match_value(const RE2& re, const std::vector<re2::StringPiece>& groups) {
  auto group = [&](int i) { return groups[static_cast<size_t>(i)].data() ? Value(text(groups[static_cast<size_t>(i)])) : Value(); };
  if (groups.size() == 1) return text(groups[0]);
  const auto& names = re.CapturingGroupNames();
  if (names.empty()) {
    Tuple out;
    for (size_t i = 1; i < groups.size(); ++i) out.push_back(group(static_cast<int>(i)));
    return out;
  }
  Object out;
  for (const auto& [index, name] : names) out.insert_or_assign(name, group(index));
  return out;
}

std::unique_ptr<RE2> compile_for_matching(Args args) {
  auto re = compile(string_arg(args, 0, "pattern"), 0);
  const size_t named = re->NamedCapturingGroups().size();
  if (named > 0 && named != static_cast<size_t>(re->NumberOfCapturingGroups()))
    fail_arg(0, "pattern", "invalid regular expression: named and unnamed capture groups cannot be mixed");
  return re;
}

Value regex(Args args) {
  auto re = compile_for_matching(args);
  std::string s = string_arg(args, 1, "string");
  Value found;
  bool matched = false;
  for_each_match(*re, s, [&](const std::vector<re2::StringPiece>& groups) {
    found = match_value(*re, groups);
    matched = true;
    return false;
  });
  if (!matched) fail_call("pattern did not match any part of the given string");
  return found;
}

Value regexall(Args args) {
  auto re = compile_for_matching(args);
  std::string s = string_arg(args, 1, "string");
  Tuple all;
  for_each_match(*re, s, [&](const std::vector<re2::StringPiece>& groups) {
    check_collection_size(all.size() + 1);
    all.push_back(match_value(*re, groups));
    charge_bytes(kElementBytes * groups.size() + groups[0].size());
    return true;
  });
  return all;
}

// Go's Regexp.Expand: $1, ${1}, $name and ${name} insert a group (the
// longest name of letters, digits and '_' after a bare $; a group that does
// not exist inserts nothing), $$ a '$'.
void expand(const RE2& re, std::string_view replacement, const std::vector<re2::StringPiece>& groups,
            std::string& out) {
  auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = 0; i < replacement.size(); ++i) {
    char c = replacement[i];
    if (c != '$' || i + 1 == replacement.size()) {
      out += c;
      continue;
    }
    if (replacement[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    size_t next = i + 1;
    if (replacement[next] == '{') {
      size_t close = replacement.find('}', next);
      name = close == std::string_view::npos ? std::string_view() : replacement.substr(next + 1, close - next - 1);
      next = close == std::string_view::npos ? next : close + 1;
    } else {
      while (next < replacement.size() && is_name_char(replacement[next])) ++next;
      name = replacement.substr(i + 1, next - i - 1);
    }
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
      out += c;  // not a reference: a literal '$'
      continue;
    }
    int index = -1;
    const bool number = std::all_of(name.begin(), name.end(), [](char d) { return d >= '0' && d <= '9'; }) &&
                        (name.size() == 1 || name[0] != '0');  // Go reads "01" as a name
    if (number) {
      index = name.size() <= 9 ? std::stoi(std::string(name)) : -1;
    } else {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      if (it != re.NamedCapturingGroups().end()) index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size())
      out.append(groups[static_cast<size_t>(index)].data() ? text(groups[static_cast<size_t>(index)]) : "");
    i = next - 1;
  }
}

}  // namespace

std::string regex_replace_all(const std::string& s, const std::string& pattern, const std::string& replacement) {
  auto re = compile(pattern, 1);
  std::string out;
  size_t copied = 0;  // s is copied to out up to here
  for_each_match(*re, s, [&](const std::vector<re2::StringPiece>& groups) {
    auto begin = static_cast<size_t>(groups[0].data() - s.data());
    out.append(s, copied, begin - copied);
    expand(*re, replacement, groups, out);
    check_string_size(out.size());
    copied = begin + groups[0].size();
    return true;
  });
  return out.append(s, copied);
}

std::vector<Function> regex_functions() {
  return {
      {"regex", 2, 2, "regex(pattern, string)", regex},
      {"regexall", 2, 2, "regexall(pattern, string)", regexall},
  };
}

}  // namespace hcl::fn
