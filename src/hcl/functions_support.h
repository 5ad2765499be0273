// Shared helpers for the standard functions: argument checks that throw
// FunctionError with HCL's wording, UTF-8 decoding, and the per-theme
// function lists that functions.cpp assembles into the standard table.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hcl/budget.h"
#include "hcl/functions.h"
#include "hcl/value.h"

namespace hcl::fn {

using Args = std::span<const Value>;

// Throws FunctionError(index, "Invalid value for \"param\" parameter: problem.").
[[noreturn]] void fail_arg(size_t index, std::string_view param, std::string_view problem);
// Throws FunctionError(-1, problem): a failure of the call as a whole.
[[noreturn]] void fail_call(std::string problem);

// Each returns the argument converted as HCL converts function arguments
// (numbers and bools become strings, numeric strings numbers), or throws.
// A null argument is an error ("argument must not be null").
std::string string_arg(Args args, size_t i, std::string_view param);
Number number_arg(Args args, size_t i, std::string_view param);
int64_t integer_arg(Args args, size_t i, std::string_view param);  // whole numbers only
bool bool_arg(Args args, size_t i, std::string_view param);
const Tuple& tuple_arg(Args args, size_t i, std::string_view param);
const Object& object_arg(Args args, size_t i, std::string_view param);
// Elements of a tuple argument, each converted to a string (null is an error).
std::vector<std::string> string_list_arg(Args args, size_t i, std::string_view param);

// UTF-8: invalid bytes decode as U+FFFD each, as Go does.
std::u32string decode_utf8(std::string_view s);
void append_utf8(std::string& out, char32_t c);
std::string encode_utf8(std::u32string_view s);

// Unicode case mapping and classes from the C library's UTF-8 locale
// (ASCII only if that locale is missing).
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
bool is_space(char32_t c);
bool is_letter_or_digit(char32_t c);

// The element types of a tuple unified as HCL's list conversion does: if any
// element is a string, numbers and bools become strings too. Throws
// fail_arg(index, param, ...) when the elements have no common type.
Tuple unify_elements(const Tuple& items, size_t index, std::string_view param);

// Go's Regexp.ReplaceAllString: every match of `pattern` (RE2 syntax) in
// `s` replaced by `replacement`, in which $1, ${1}, $name and ${name} stand
// for groups and $$ for '$'. A bad pattern fails argument 1.
std::string regex_replace_all(const std::string& s, const std::string& pattern, const std::string& replacement);

std::vector<Function> string_functions();
std::vector<Function> format_functions();
std::vector<Function> collection_functions();
std::vector<Function> set_functions();
std::vector<Function> regex_functions();
std::vector<Function> numeric_functions();
std::vector<Function> encoding_functions();
std::vector<Function> conversion_functions();

}  // namespace hcl::fn
