// Values: what HCL expressions evaluate to.
//
// A Value is null, a bool, a number, a string, a tuple (ordered list) or an
// object (string keys in sorted order, as HCL iterates them). Values are
// immutable; copying one is cheap because collections are shared. A
// collection knows its nesting depth, so that evaluation can bound it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hcl {

// A number: an exact 64-bit integer while it can be one, else a double.
// Arithmetic on two integers stays exact and falls back to double on
// overflow; division gives an integer only when it divides evenly.
class Number {
 public:
  Number() = default;
  Number(int64_t i) : is_int_(true), int_(i) {}  // NOLINT: implicit by design
  Number(double d);                               // NOLINT: stores an integer when d is one

  // Parses an HCL numeric literal (`1`, `1.5`, `1e3`, `1.5E-2`); nullopt if
  // it is not one.
  static std::optional<Number> parse(std::string_view text);

  bool is_integer() const { return is_int_; }
  // The integer, or a double truncated toward zero and clamped to the int64
  // range (NaN gives 0).
  int64_t as_int() const { return is_int_ ? int_ : truncated(dbl_); }
  double as_double() const { return is_int_ ? static_cast<double>(int_) : dbl_; }
  // The shortest decimal text that reads back as the same number, never in
  // exponent form: 1000, -0.0015, 0.5.
  std::string to_string() const;

  friend bool operator==(const Number& a, const Number& b);
  friend bool operator<(const Number& a, const Number& b);

  // Arithmetic. Division and remainder require a non-zero divisor (the
  // caller reports division by zero); the remainder has the dividend's sign,
  // like Go's math.Mod.
  friend Number operator+(const Number& a, const Number& b);
  friend Number operator-(const Number& a, const Number& b);
  friend Number operator*(const Number& a, const Number& b);
  friend Number operator/(const Number& a, const Number& b);
  friend Number operator-(const Number& a);
  friend Number remainder(const Number& a, const Number& b);
  bool is_zero() const { return is_int_ ? int_ == 0 : dbl_ == 0; }
  bool is_negative() const { return is_int_ ? int_ < 0 : dbl_ < 0; }

 private:
  static int64_t truncated(double d);

  bool is_int_ = true;
  union {  // is_int_ says which one holds the number: 16 bytes in all
    int64_t int_ = 0;
    double dbl_;
  };
};

class Value;
using Tuple = std::vector<Value>;
using Object = std::map<std::string, Value, std::less<>>;

enum class Type { Null, Bool, Number, String, Tuple, Object };
std::string_view type_name(Type t);  // "null", "bool", "number", "string", "tuple", "object"

class Value {
 public:
  Value() = default;  // null
  Value(bool b) : v_(b) {}                          // NOLINT
  Value(Number n) : v_(n) {}                        // NOLINT
  Value(int64_t i) : v_(Number(i)) {}               // NOLINT
  Value(int i) : v_(Number(int64_t{i})) {}          // NOLINT
  Value(double d) : v_(Number(d)) {}                // NOLINT
  Value(std::string s) : v_(std::move(s)) {}        // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {} // NOLINT
  Value(const char* s) : v_(std::string(s)) {}      // NOLINT
  Value(Tuple t);   // NOLINT
  Value(Object o);  // NOLINT

  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  // Copies before assigning, so `v = v.as_tuple()[0]` is safe although the
  // element lives inside the tuple that the assignment releases.
  Value& operator=(const Value& other) {
    auto copy = other.v_;
    v_ = std::move(copy);
    return *this;
  }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::Null; }
  bool is_collection() const { return type() == Type::Tuple || type() == Type::Object; }

  // Accessors require the matching type (checked with assert in debug builds).
  bool as_bool() const { return std::get<bool>(v_); }
  const Number& as_number() const { return std::get<Number>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Tuple& as_tuple() const { return std::get<std::shared_ptr<const Nested<Tuple>>>(v_)->items; }
  const Object& as_object() const { return std::get<std::shared_ptr<const Nested<Object>>>(v_)->items; }

  // Levels of collections: 0 for a scalar, 1 for [1, 2], 2 for [[1]]...
  uint32_t depth() const;

  // Element count of a tuple or object, characters of a string, else 0.
  size_t length() const;

  // The object's attribute, or nullptr when this is not an object or lacks it.
  const Value* get(std::string_view key) const;

  // Deep equality, as HCL's `==`: numbers compare by value (1 == 1.0).
  friend bool operator==(const Value& a, const Value& b);

  // Compact JSON text of the value (objects with sorted keys). With
  // `escape_html`, <, > and & are written as \u003c, \u003e and \u0026 the
  // way HCL's jsonencode does, so the text can be embedded in HTML.
  std::string to_json(bool escape_html = false) const;

 private:
  template <class Items>
  struct Nested {
    Items items;
    uint32_t depth;  // 1 + the deepest element's
  };

  std::variant<std::monostate, bool, Number, std::string, std::shared_ptr<const Nested<Tuple>>,
               std::shared_ptr<const Nested<Object>>>
      v_;
};

// Writes the value's JSON text (for logs and test failure messages).
std::ostream& operator<<(std::ostream& out, const Value& v);

// Appends `s` as a JSON string literal: quotes, backslash escapes, and
// \u00XX for control characters (and for < > & with escape_html, as
// jsonencode does).
void append_json_string(std::string_view s, bool escape_html, std::string& out);

// The backslash escape that JSON and Go's %q share for `c` (\" \\ \n \r
// \t), or nullptr when it has none.
const char* short_escape(char c);

// Conversions as HCL performs them implicitly (e.g. a number where a string is
// wanted). Each returns nullopt when the conversion is not possible; the
// caller reports the error with the expression's range.
std::optional<std::string> to_string_value(const Value& v);  // bool, number, string
std::optional<Number> to_number_value(const Value& v);       // number, numeric string
std::optional<bool> to_bool_value(const Value& v);           // bool, "true"/"false"

}  // namespace hcl
