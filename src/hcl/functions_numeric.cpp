// Numeric functions. Results stay exact integers where the inputs are.
#include <cmath>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

template <bool kMax>
Value extreme(Args args) {
  if (args.empty()) fail_call("must pass at least one number");
  Number best = number_arg(args, 0, "numbers");
  for (size_t i = 1; i < args.size(); ++i) {
    Number n = number_arg(args, i, "numbers");
    if (kMax ? best < n : n < best) best = n;
  }
  return best;
}

Value abs(Args args) {
  Number n = number_arg(args, 0, "num");
  return n.is_negative() ? -n : n;
}

// Integers pass through untouched: rounding through double would lose digits.
Value ceil(Args args) {
  Number n = number_arg(args, 0, "num");
  return n.is_integer() ? n : Number(std::ceil(n.as_double()));
}

Value floor(Args args) {
  Number n = number_arg(args, 0, "num");
  return n.is_integer() ? n : Number(std::floor(n.as_double()));
}

Value pow(Args args) {
  Number base = number_arg(args, 0, "num");
  Number exponent = number_arg(args, 1, "power");
  // Small integer powers multiply exactly (2^62 must not round through double).
  if (base.is_integer() && exponent.is_integer() && exponent.as_int() >= 0 && exponent.as_int() <= 64) {
    Number result(int64_t{1});
    for (int64_t i = 0; i < exponent.as_int(); ++i) result = result * base;
    return result;
  }
  return Number(std::pow(base.as_double(), exponent.as_double()));
}

Value signum(Args args) {
  Number n = number_arg(args, 0, "num");
  return int64_t{n.is_negative() ? -1 : n.is_zero() ? 0 : 1};
}

Value log(Args args) {
  double num = number_arg(args, 0, "num").as_double();
  double base = number_arg(args, 1, "base").as_double();
  return Number(std::log(num) / std::log(base));
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 36;
  return 99;
}

// Bases up to 36 are case-insensitive; 37 to 62 tell upper case (36..61) apart.
Value parseint(Args args) {
  std::string text = string_arg(args, 0, "number");
  int64_t base = integer_arg(args, 1, "base");
  if (base < 2 || base > 62) fail_arg(1, "base", "must be a whole number between 2 and 62 inclusive");
  std::string_view digits = text;
  bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  auto failure = [&] {
    fail_arg(0, "number", "cannot parse \"" + text + "\" as a base " + std::to_string(base) + " integer");
  };
  if (digits.empty()) failure();
  Number value(int64_t{0});
  for (char c : digits) {
    int d = digit_value(base <= 36 && c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    if (d >= base) failure();
    value = value * Number(base) + Number(int64_t{d});
  }
  return negative ? -value : value;
}

Value sum(Args args) {
  const Tuple& items = tuple_arg(args, 0, "list");
  if (items.empty()) fail_arg(0, "list", "cannot sum an empty list");
  Number total(int64_t{0});
  for (size_t i = 0; i < items.size(); ++i) {
    auto n = to_number_value(items[i]);
    if (!n) fail_arg(0, "list", "element " + std::to_string(i) + " is not a number");
    total = total + *n;
  }
  return total;
}

}  // namespace

std::vector<Function> numeric_functions() {
  return {
      {"min", 0, -1, "min(numbers...)", extreme<false>},
      {"max", 0, -1, "max(numbers...)", extreme<true>},
      {"abs", 1, 1, "abs(num)", abs},
      {"ceil", 1, 1, "ceil(num)", ceil},
      {"floor", 1, 1, "floor(num)", floor},
      {"pow", 2, 2, "pow(num, power)", pow},
      {"signum", 1, 1, "signum(num)", signum},
      {"log", 2, 2, "log(num, base)", log},
      {"parseint", 2, 2, "parseint(number, base)", parseint},
      {"sum", 1, 1, "sum(list)", sum},
  };
}

}  // namespace hcl::fn
