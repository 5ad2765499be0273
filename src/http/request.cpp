#include "http/request.h"

#include "core/percent.h"

namespace http {

namespace {

std::optional<std::string_view> find(const Parameters& parameters, std::string_view name) {
  for (const auto& [key, value] : parameters) {
    if (key == name) return std::string_view{value};
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> Request::query(std::string_view name) const {
  return find(query_parameters, name);
}

std::optional<std::string_view> Request::param(std::string_view name) const {
  return find(path_parameters, name);
}

std::optional<Parameters> parse_query(std::string_view query) {
  Parameters parameters;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = core::percent_decode(pair.substr(0, eq), true);
    auto value = core::percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return parameters;
}

}  // namespace http
