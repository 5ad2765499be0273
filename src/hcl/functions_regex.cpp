// regex and regexall. HCL's patterns are RE2; we run them with std::regex's
// ECMAScript grammar, which reads the common RE2 forms the same way. RE2's
// named groups `(?P<name>...)`, a leading `(?i)` and `\A` / `\z` are
// translated; other inline flags are refused rather than misread.
#include <algorithm>
#include <regex>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

struct Pattern {
  std::regex regex;
  std::vector<std::string> group_names;  // "" for an unnamed group, in group order
};

// Rewrites RE2 syntax into ECMAScript, collecting capture group names.
std::string translate(std::string_view re2, std::vector<std::string>& names, bool& icase) {
  if (re2.starts_with("(?i)")) {
    icase = true;
    re2.remove_prefix(4);
  }
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < re2.size(); ++i) {
    char c = re2[i];
    if (c == '\\' && i + 1 < re2.size()) {
      char next = re2[++i];
      out += next == 'A' ? std::string("^") : next == 'z' ? std::string("$") : std::string{'\\', next};
      continue;
    }
    if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      out += c;
      // A ']' first in a class (after an optional '^') is a literal in RE2
      // but closes an empty class in ECMAScript: escape it.
      if (i + 1 < re2.size() && re2[i + 1] == '^') out += re2[++i];
      if (i + 1 < re2.size() && re2[i + 1] == ']') {
        out += "\\]";
        ++i;
      }
      continue;
    } else if (c == '(') {
      std::string_view rest = re2.substr(i + 1);
      size_t name_start = rest.starts_with("?P<") ? 3 : rest.starts_with("?<") && rest.size() > 2 &&
                                                                 rest[2] != '=' && rest[2] != '!'
                                                             ? 2
                                                             : 0;
      if (name_start > 0) {
        size_t close = rest.find('>');
        if (close == std::string_view::npos) fail_arg(0, "pattern", "invalid regular expression: unclosed group name");
        names.emplace_back(rest.substr(name_start, close - name_start));
        i += close + 1;
      } else if (rest.starts_with("?") && !rest.starts_with("?:") && !rest.starts_with("?=") &&
                 !rest.starts_with("?!")) {
        fail_arg(0, "pattern", "invalid regular expression: inline flags other than a leading (?i) are not supported");
      } else if (!rest.starts_with("?")) {
        names.emplace_back();
      }
    }
    out += c;
  }
  return out;
}

Pattern compile(const std::string& pattern) {
  Pattern p;
  bool icase = false;
  std::string ecmascript = translate(pattern, p.group_names, icase);
  bool named = std::any_of(p.group_names.begin(), p.group_names.end(), [](auto& n) { return !n.empty(); });
  bool unnamed = std::any_of(p.group_names.begin(), p.group_names.end(), [](auto& n) { return n.empty(); });
  if (named && unnamed)
    fail_arg(0, "pattern", "invalid regular expression: named and unnamed capture groups cannot be mixed");
  try {
    auto flags = std::regex::ECMAScript;
    if (icase) flags |= std::regex::icase;
    p.regex = std::regex(ecmascript, flags);
  } catch (const std::regex_error& e) {
    fail_arg(0, "pattern", std::string("invalid regular expression: ") + e.what());
  }
  return p;
}

// One match as HCL gives it: the matched text without groups, else a tuple
// of the groups, or an object of the named groups. A group that took no
// part in the match is null.
Value match_value(const Pattern& p, const std::smatch& m) {
  if (p.group_names.empty()) return m.str(0);
  auto group = [&](size_t i) { return m[i + 1].matched ? Value(m.str(i + 1)) : Value(); };
  if (p.group_names[0].empty()) {
    Tuple groups;
    for (size_t i = 0; i < p.group_names.size(); ++i) groups.push_back(group(i));
    return groups;
  }
  Object groups;
  for (size_t i = 0; i < p.group_names.size(); ++i) groups.insert_or_assign(p.group_names[i], group(i));
  return groups;
}

template <class Visit>
void for_each_match(const Pattern& p, const std::string& s, Visit&& visit) {
  try {
    for (std::sregex_iterator it(s.begin(), s.end(), p.regex), end; it != end; ++it)
      if (!visit(*it)) return;
  } catch (const std::regex_error& e) {
    fail_call(std::string("matching failed: ") + e.what());
  }
}

Value regex(Args args) {
  Pattern p = compile(string_arg(args, 0, "pattern"));
  std::string s = string_arg(args, 1, "string");
  Value found;
  bool matched = false;
  for_each_match(p, s, [&](const std::smatch& m) {
    found = match_value(p, m);
    matched = true;
    return false;
  });
  if (!matched) fail_call("pattern did not match any part of the given string");
  return found;
}

Value regexall(Args args) {
  Pattern p = compile(string_arg(args, 0, "pattern"));
  std::string s = string_arg(args, 1, "string");
  Tuple all;
  for_each_match(p, s, [&](const std::smatch& m) {
    all.push_back(match_value(p, m));
    return true;
  });
  return all;
}

}  // namespace

std::vector<Function> regex_functions() {
  return {
      {"regex", 2, 2, "regex(pattern, string)", regex},
      {"regexall", 2, 2, "regexall(pattern, string)", regexall},
  };
}

}  // namespace hcl::fn
