#include "api/json_input.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"

namespace api {

namespace {

bool is_json_content_type(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  return http::iequals(content_type, "application/json");
}

}  // namespace

nlohmann::json read_json_object(const http::Request& request, std::initializer_list<std::string_view> known) {
  if (!is_json_content_type(request.header("Content-Type").value_or(""))) {
    fail(415, "unsupported_media_type", "the request body must be JSON (Content-Type: application/json)");
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) fail(400, "malformed_json", "the request body is not valid JSON");
  if (!body.is_object()) fail(400, "invalid", "the request body must be a JSON object");
  for (const auto& [name, value] : body.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      fail(400, "invalid", "unknown field '" + name + "'");
    }
  }
  return body;
}

nlohmann::json read_optional_json_object(const http::Request& request, std::initializer_list<std::string_view> known) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  return read_json_object(request, known);
}

void read_no_fields(const http::Request& request) { read_optional_json_object(request, {}); }

std::optional<std::string> optional_string(const nlohmann::json& object, std::string_view name) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) return std::nullopt;
  if (!field->is_string()) fail(400, "invalid", "field '" + std::string{name} + "' must be a string");
  return field->get<std::string>();
}

std::string required_string(const nlohmann::json& object, std::string_view name) {
  auto value = optional_string(object, name);
  if (!value) fail(400, "invalid", "field '" + std::string{name} + "' is required");
  return std::move(*value);
}

std::optional<std::vector<std::string>> optional_strings(const nlohmann::json& object, std::string_view name) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) return std::nullopt;
  const std::string quoted{name};
  if (!field->is_array()) fail(400, "invalid", "field '" + quoted + "' must be an array of strings");
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < field->size(); ++i) {
    const auto& item = (*field)[i];
    if (!item.is_string()) fail(400, "invalid", "field '" + quoted + "[" + std::to_string(i) + "]' must be a string");
    strings.push_back(item.get<std::string>());
  }
  return strings;
}

std::optional<bool> optional_bool(const nlohmann::json& object, std::string_view name) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) return std::nullopt;
  if (!field->is_boolean()) fail(400, "invalid", "field '" + std::string{name} + "' must be true or false");
  return field->get<bool>();
}

std::optional<std::int64_t> optional_integer(const nlohmann::json& object, std::string_view name) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) return std::nullopt;
  if (!field->is_number_integer() || (field->is_number_unsigned() && field->get<std::uint64_t>() > INT64_MAX))
    fail(400, "invalid", "field '" + std::string{name} + "' must be an integer");
  return field->get<std::int64_t>();
}

std::string required_query(const http::Request& request, std::string_view name) {
  const auto value = request.query(name);
  if (!value || value->empty()) fail(400, "invalid", "query parameter '" + std::string{name} + "' is required");
  return std::string{*value};
}

}  // namespace api
