// Reading API input: JSON request bodies and query parameters, with the
// client's mistakes answered as ApiErrors (415 wrong content type, 400
// malformed JSON, unknown fields, wrong types, missing values).
#pragma once

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "http/request.h"

namespace api {

// The body as a JSON object whose fields are all among `known` (a typo in a
// field name is an error, not a silently ignored field).
nlohmann::json read_json_object(const http::Request& request, std::initializer_list<std::string_view> known);

// read_json_object, with an empty body read as an object without fields
// (for routes whose fields are all optional).
nlohmann::json read_optional_json_object(const http::Request& request, std::initializer_list<std::string_view> known);

// For routes that take no fields (an approval, a cancel): an empty body, or a
// JSON object without fields; anything else is refused as read_json_object
// refuses it, so that a field the route ignores is not taken for a choice.
void read_no_fields(const http::Request& request);

// A string field; absent or null gives nullopt, another type is a 400.
std::optional<std::string> optional_string(const nlohmann::json& object, std::string_view name);
std::string required_string(const nlohmann::json& object, std::string_view name);

// An array of strings; absent or null gives nullopt, another type (or an
// item that is not a string) is a 400 naming it.
std::optional<std::vector<std::string>> optional_strings(const nlohmann::json& object, std::string_view name);

// A boolean field; absent or null gives nullopt, another type is a 400.
std::optional<bool> optional_bool(const nlohmann::json& object, std::string_view name);

// An integer field; absent or null gives nullopt, another type (a fraction,
// a string) or one beyond 64 bits is a 400.
std::optional<std::int64_t> optional_integer(const nlohmann::json& object, std::string_view name);

std::string required_query(const http::Request& request, std::string_view name);

// ?name= as an integer; absent gives nullopt, anything else but digits a 400.
template <class Int>
std::optional<Int> integer_query(const http::Request& request, std::string_view name) {
  const auto text = request.query(name);
  if (!text) return std::nullopt;
  Int value{};
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size()) {
    fail(400, "invalid", "query parameter '" + std::string{name} + "' must be an integer");
  }
  return value;
}

}  // namespace api
