// format and formatlist: printf-like formatting with cty's verbs.
//
//   %v  default text (collections as JSON)   %#v JSON
//   %t  bool                                  %s  string     %q quoted string
//   %d  integer  %b binary  %o octal  %x %X hexadecimal
//   %e %E scientific  %f decimal  %g %G shortest          %%  a literal %
// Flags + - 0 space, a width, a .precision and an explicit argument index
// `%[2]s` are accepted as in Go's fmt. Widths and precisions above
// kMaxWidth are refused: `%2000000000d` would otherwise ask for gigabytes.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

constexpr int kMaxWidth = 1000;

struct Spec {
  bool plus = false;
  bool minus = false;
  bool zero = false;
  bool space = false;
  bool sharp = false;
  int width = -1;
  int precision = -1;
  char verb = 0;
  std::string text;  // the directive as written, for messages: "%5d"
};

// Formats one value; `arg` is its position among format()'s arguments.
class Formatter {
 public:
  Formatter(Args args, size_t first_value) : args_(args), first_(first_value) {}

  std::string run(const std::string& format);

 private:
  size_t parse_spec(const std::string& format, size_t at, Spec& spec);
  std::string format_value(const Spec& spec, size_t arg);
  std::string format_number(const Spec& spec, size_t arg);
  [[noreturn]] void unsupported(const Spec& spec, size_t arg, std::string_view why) const;

  Args args_;
  size_t first_;     // index of the first value after the format string
  size_t next_ = 0;  // next value to consume, counted from first_
  size_t used_ = 0;  // highest value index consumed + 1
};

// The digits at `at`, saturating at kMaxWidth + 1 (too large for anything).
int parse_int(const std::string& s, size_t& at) {
  int n = 0;
  while (at < s.size() && s[at] >= '0' && s[at] <= '9') n = std::min(n * 10 + (s[at++] - '0'), kMaxWidth + 1);
  return n;
}

void check_width(int n, std::string_view what, const std::string& format, size_t start, size_t at) {
  if (n <= kMaxWidth) return;
  fail_arg(0, "format", "the " + std::string(what) + " in \"" + format.substr(start, at - start) + "\" at offset " +
                            std::to_string(start) + " is over the limit of " + std::to_string(kMaxWidth) +
                            "; pad or round to at most " + std::to_string(kMaxWidth) + " characters");
}

size_t Formatter::parse_spec(const std::string& format, size_t at, Spec& spec) {
  size_t start = at - 1;
  for (; at < format.size(); ++at) {
    char c = format[at];
    if (c == '+') spec.plus = true;
    else if (c == '-') spec.minus = true;
    else if (c == '0') spec.zero = true;
    else if (c == ' ') spec.space = true;
    else if (c == '#') spec.sharp = true;
    else break;
  }
  if (at < format.size() && format[at] == '[') {
    size_t close = format.find(']', at);
    size_t digits = at + 1;
    int index = parse_int(format, digits);
    if (close == std::string::npos || digits != close || index < 1)
      fail_arg(0, "format", "invalid argument index at offset " + std::to_string(at));
    next_ = static_cast<size_t>(index - 1);
    at = close + 1;
  }
  if (at < format.size() && format[at] >= '1' && format[at] <= '9') {
    spec.width = parse_int(format, at);
    check_width(spec.width, "width", format, start, at);
  }
  if (at < format.size() && format[at] == '.') {
    ++at;
    spec.precision = parse_int(format, at);
    check_width(spec.precision, "precision", format, start, at);
  }
  if (at >= format.size()) fail_arg(0, "format", "unterminated format verb at offset " + std::to_string(start));
  spec.verb = format[at];
  spec.text = format.substr(start, at + 1 - start);
  return at + 1;
}

std::string pad(const Spec& spec, std::string body, bool numeric) {
  size_t chars = decode_utf8(body).size();
  if (spec.width < 0 || chars >= static_cast<size_t>(spec.width)) return body;
  size_t fill = static_cast<size_t>(spec.width) - chars;
  if (spec.minus) return body + std::string(fill, ' ');
  if (spec.zero && numeric) {
    size_t sign = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    return body.insert(sign, fill, '0');
  }
  return std::string(fill, ' ') + body;
}

// Go's %q: double quotes with backslash escapes for quotes and control characters.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (const char* escape = short_escape(c)) {
      out += escape;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string integer_text(int64_t v, int base, bool upper) {
  char buf[80];
  auto magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, magnitude, base);
  std::string digits(buf, end);
  if (upper)
    for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return (v < 0 ? "-" : "") + digits;
}

std::string float_text(double d, char verb, int precision) {
  if ((verb == 'g' || verb == 'G') && precision < 0) {  // shortest, like Go
    char buf[400];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general);
    std::string s(buf, end);
    if (verb == 'G')
      for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  char pattern[] = {'%', '.', '*', verb, 0};
  int size = std::snprintf(nullptr, 0, pattern, precision < 0 ? 6 : precision, d);
  std::string s(static_cast<size_t>(size) + 1, '\0');
  std::snprintf(s.data(), s.size(), pattern, precision < 0 ? 6 : precision, d);
  s.pop_back();
  return s;
}

void Formatter::unsupported(const Spec& spec, size_t arg, std::string_view why) const {
  fail_arg(first_ + arg, "args",
           "unsupported value for \"" + spec.text + "\" at " + std::to_string(arg) + ": " + std::string(why));
}

std::string Formatter::format_number(const Spec& spec, size_t arg) {
  auto n = to_number_value(args_[first_ + arg]);
  if (!n) unsupported(spec, arg, "number required");
  bool integral_verb = spec.verb == 'd' || spec.verb == 'b' || spec.verb == 'o' || spec.verb == 'x' || spec.verb == 'X';
  if (integral_verb && !n->is_integer()) unsupported(spec, arg, "an integer is required");
  std::string body;
  if (integral_verb) {
    int base = spec.verb == 'd' ? 10 : spec.verb == 'b' ? 2 : spec.verb == 'o' ? 8 : 16;
    body = integer_text(n->as_int(), base, spec.verb == 'X');
  } else {
    body = float_text(n->as_double(), spec.verb, spec.precision);
  }
  if (body[0] != '-' && (spec.plus || spec.space)) body.insert(0, 1, spec.plus ? '+' : ' ');
  return pad(spec, body, true);
}

std::string Formatter::format_value(const Spec& spec, size_t arg) {
  const Value& v = args_[first_ + arg];
  if (v.is_null()) unsupported(spec, arg, "null value cannot be formatted");
  switch (spec.verb) {
    case 'v':
      if (spec.sharp || v.is_collection()) return pad(spec, v.to_json(), false);
      return pad(spec, *to_string_value(v), v.type() == Type::Number);
    case 't': {
      auto b = to_bool_value(v);
      if (!b) unsupported(spec, arg, "bool required");
      return pad(spec, *b ? "true" : "false", false);
    }
    case 's':
    case 'q': {
      auto s = to_string_value(v);
      if (!s) unsupported(spec, arg, "string required");
      if (spec.precision >= 0) s = encode_utf8(decode_utf8(*s).substr(0, static_cast<size_t>(spec.precision)));
      return pad(spec, spec.verb == 'q' ? quote(*s) : *s, false);
    }
    default: return format_number(spec, arg);
  }
}

std::string Formatter::run(const std::string& format) {
  std::string out;
  for (size_t at = 0; at < format.size();) {
    char c = format[at++];
    if (c != '%') {
      out += c;
      continue;
    }
    if (at < format.size() && format[at] == '%') {
      out += '%';
      ++at;
      continue;
    }
    Spec spec;
    at = parse_spec(format, at, spec);
    if (std::string_view("vtsqdboxXeEfgG").find(spec.verb) == std::string_view::npos)
      fail_arg(0, "format", "unrecognized format character '" + std::string(1, spec.verb) + "' at offset " +
                                std::to_string(at - 1));
    size_t available = args_.size() - first_;
    if (next_ >= available)
      fail_call("not enough arguments for \"" + spec.text + "\" at " + std::to_string(at - spec.text.size()) +
                ": need index " + std::to_string(next_) + " but have " + std::to_string(available) + " total");
    out += format_value(spec, next_);
    check_string_size(out.size());
    used_ = std::max(used_, ++next_);
  }
  size_t available = args_.size() - first_;
  if (used_ < available)
    fail_call(used_ == 0 ? "too many arguments; no verbs in format string"
                         : "too many arguments; only " + std::to_string(used_) + " used by format string");
  return out;
}

Value format(Args args) { return Formatter(args, 1).run(string_arg(args, 0, "format")); }

// formatlist: list arguments are walked in step (all must have the same
// length); other arguments repeat on every line.
Value formatlist(Args args) {
  std::string pattern = string_arg(args, 0, "format");
  std::optional<size_t> rows;
  size_t first_list = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].type() != Type::Tuple) continue;
    size_t n = args[i].as_tuple().size();
    if (rows && *rows != n)
      fail_arg(i, "args", "argument " + std::to_string(i) + " has length " + std::to_string(n) +
                              ", which is inconsistent with argument " + std::to_string(first_list) +
                              " of length " + std::to_string(*rows));
    if (!rows) first_list = i;
    rows = n;
  }
  Tuple out;
  for (size_t row = 0; row < rows.value_or(1); ++row) {
    std::vector<Value> line(args.begin(), args.end());
    for (size_t i = 1; i < args.size(); ++i)
      if (args[i].type() == Type::Tuple) line[i] = args[i].as_tuple()[row];
    out.emplace_back(Formatter(line, 1).run(pattern));
    charge_string(out.back().as_string().size());
  }
  return out;
}

}  // namespace

std::vector<Function> format_functions() {
  return {
      {"format", 1, -1, "format(format, args...)", format},
      {"formatlist", 1, -1, "formatlist(format, args...)", formatlist},
  };
}

}  // namespace hcl::fn
