#include "hcl/value.h"

#include <locale.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>

#include "hcl/budget.h"

namespace hcl {

namespace {

// 2^63 as a double: the first value above every int64.
constexpr double kInt64Bound = 9223372036854775808.0;

bool fits_int64(double d) { return d >= -kInt64Bound && d < kInt64Bound; }

// Mixed comparisons go through long double, whose 64-bit mantissa holds every
// int64 exactly, so 2^63-1 and 2^63 stay apart.
long double widen(const Number& n) {
  return n.is_integer() ? static_cast<long double>(n.as_int()) : static_cast<long double>(n.as_double());
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// from_chars leaves a value too large or too small for a double unset;
// strtod gives the IEEE result (infinity, or zero / a subnormal). Its own C
// locale keeps the decimal point a '.' whatever the process locale is.
double parse_out_of_range(std::string_view text) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  std::string copy(text);
  return strtod_l(copy.c_str(), nullptr, c_locale);
}

}  // namespace

Number::Number(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && fits_int64(d)) {
    int_ = static_cast<int64_t>(d);
  } else {
    is_int_ = false;
    dbl_ = d;
  }
}

int64_t Number::truncated(double d) {
  if (std::isnan(d)) return 0;
  if (d >= kInt64Bound) return INT64_MAX;
  if (d < -kInt64Bound) return INT64_MIN;
  return static_cast<int64_t>(d);
}

std::optional<Number> Number::parse(std::string_view text) {
  std::string_view body = text;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) body.remove_prefix(1);
  if (body.empty() || !std::isdigit(static_cast<unsigned char>(body.front()))) return std::nullopt;
  if (all_digits(body)) {
    int64_t i = 0;
    // Parse with the sign so that -9223372036854775808 stays an integer.
    std::string_view signed_text = text.front() == '+' ? body : text;
    auto [end, ec] = std::from_chars(signed_text.data(), signed_text.data() + signed_text.size(), i);
    if (ec == std::errc() && end == signed_text.data() + signed_text.size()) return Number(i);
  }
  double d = 0;
  std::string_view unsigned_text = text.front() == '+' ? body : text;
  auto [end, ec] = std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), d);
  if (end != unsigned_text.data() + unsigned_text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    d = parse_out_of_range(unsigned_text);
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  return Number(d);
}

std::string Number::to_string() const {
  if (is_int_) return std::to_string(int_);
  if (std::isnan(dbl_)) return "NaN";
  if (std::isinf(dbl_)) return dbl_ > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits in fixed notation: 400 bytes hold any double.
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, dbl_, std::chars_format::fixed);
  return std::string(buf, ec == std::errc() ? end : buf);
}

bool operator==(const Number& a, const Number& b) {
  if (a.is_int_ && b.is_int_) return a.int_ == b.int_;
  return widen(a) == widen(b);
}

bool operator<(const Number& a, const Number& b) {
  if (a.is_int_ && b.is_int_) return a.int_ < b.int_;
  return widen(a) < widen(b);
}

Number operator+(const Number& a, const Number& b) {
  int64_t r = 0;
  if (a.is_int_ && b.is_int_ && !__builtin_add_overflow(a.int_, b.int_, &r)) return Number(r);
  return Number(a.as_double() + b.as_double());
}

Number operator-(const Number& a, const Number& b) {
  int64_t r = 0;
  if (a.is_int_ && b.is_int_ && !__builtin_sub_overflow(a.int_, b.int_, &r)) return Number(r);
  return Number(a.as_double() - b.as_double());
}

Number operator*(const Number& a, const Number& b) {
  int64_t r = 0;
  if (a.is_int_ && b.is_int_ && !__builtin_mul_overflow(a.int_, b.int_, &r)) return Number(r);
  return Number(a.as_double() * b.as_double());
}

Number operator/(const Number& a, const Number& b) {
  // INT64_MIN / -1 overflows; the double path handles it.
  bool exact = a.is_int_ && b.is_int_ && b.int_ != 0 && !(b.int_ == -1 && a.int_ == INT64_MIN);
  if (exact && a.int_ % b.int_ == 0) return Number(a.int_ / b.int_);
  return Number(a.as_double() / b.as_double());
}

Number operator-(const Number& a) {
  if (a.is_int_ && a.int_ != INT64_MIN) return Number(-a.int_);
  return Number(-a.as_double());
}

Number remainder(const Number& a, const Number& b) {
  if (a.is_int_ && b.is_int_ && b.int_ != 0) return Number(b.int_ == -1 ? int64_t{0} : a.int_ % b.int_);
  return Number(std::fmod(a.as_double(), b.as_double()));
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "bool";
    case Type::Number: return "number";
    case Type::String: return "string";
    case Type::Tuple: return "tuple";
    case Type::Object: return "object";
  }
  return "unknown";
}

Value::Value(Tuple t) {
  uint32_t deepest = 0;
  for (const Value& item : t) deepest = std::max(deepest, item.depth());
  v_ = std::make_shared<const Nested<Tuple>>(Nested<Tuple>{std::move(t), deepest + 1});
}

Value::Value(Object o) {
  uint32_t deepest = 0;
  for (const auto& member : o) deepest = std::max(deepest, member.second.depth());
  v_ = std::make_shared<const Nested<Object>>(Nested<Object>{std::move(o), deepest + 1});
}

uint32_t Value::depth() const {
  switch (type()) {
    case Type::Tuple: return std::get<std::shared_ptr<const Nested<Tuple>>>(v_)->depth;
    case Type::Object: return std::get<std::shared_ptr<const Nested<Object>>>(v_)->depth;
    default: return 0;
  }
}

size_t Value::length() const {
  switch (type()) {
    case Type::Tuple: return as_tuple().size();
    case Type::Object: return as_object().size();
    case Type::String: {
      size_t n = 0;
      for (char c : as_string()) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return n;
    }
    default: return 0;
  }
}

const Value* Value::get(std::string_view key) const {
  if (type() != Type::Object) return nullptr;
  const Object& o = as_object();
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->second;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  if (a.is_collection()) {
    if (a.v_ == b.v_) return true;  // one shared collection: no need to walk it
    step();
  }
  switch (a.type()) {
    case Type::Null: return true;
    case Type::Bool: return a.as_bool() == b.as_bool();
    case Type::Number: return a.as_number() == b.as_number();
    case Type::String: return a.as_string() == b.as_string();
    case Type::Tuple: return a.as_tuple() == b.as_tuple();
    case Type::Object: return a.as_object() == b.as_object();
  }
  return false;
}

const char* short_escape(char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: return nullptr;
  }
}

void append_json_string(std::string_view s, bool escape_html, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // where the run of characters written as they are starts
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool html = escape_html && (c == '<' || c == '>' || c == '&');
    if (c >= 0x20 && c != '"' && c != '\\' && !html) continue;
    out += s.substr(plain, i - plain);
    plain = i + 1;
    if (const char* escape = short_escape(s[i])) {
      out += escape;
    } else {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  out += s.substr(plain);
  out += '"';
}

namespace {

// A value built from shared collections can be far larger written out than
// in memory: the budget bounds the text and the time.
void append_json(const Value& v, bool escape_html, std::string& out) {
  step();
  check_string_size(out.size());
  switch (v.type()) {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Type::Number: out += v.as_number().to_string(); return;
    case Type::String: append_json_string(v.as_string(), escape_html, out); return;
    case Type::Tuple: {
      out += '[';
      bool first = true;
      for (const Value& item : v.as_tuple()) {
        if (!first) out += ',';
        first = false;
        append_json(item, escape_html, out);
      }
      out += ']';
      return;
    }
    case Type::Object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(key, escape_html, out);
        out += ':';
        append_json(item, escape_html, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string Value::to_json(bool escape_html) const {
  std::string out;
  append_json(*this, escape_html, out);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Value& v) { return out << v.to_json(); }

std::optional<std::string> to_string_value(const Value& v) {
  switch (v.type()) {
    case Type::String: return v.as_string();
    case Type::Number: return v.as_number().to_string();
    case Type::Bool: return std::string(v.as_bool() ? "true" : "false");
    default: return std::nullopt;
  }
}

std::optional<Number> to_number_value(const Value& v) {
  if (v.type() == Type::Number) return v.as_number();
  if (v.type() == Type::String) return Number::parse(v.as_string());
  return std::nullopt;
}

std::optional<bool> to_bool_value(const Value& v) {
  if (v.type() == Type::Bool) return v.as_bool();
  if (v.type() != Type::String) return std::nullopt;
  if (v.as_string() == "true") return true;
  if (v.as_string() == "false") return false;
  return std::nullopt;
}

}  // namespace hcl
