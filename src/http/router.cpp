#include "http/router.h"

#include <cstdio>
#include <exception>
#include <stdexcept>

#include "core/percent.h"

namespace http {

namespace {

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string_view parameter_name(std::string_view segment) { return segment.substr(1, segment.size() - 2); }

// Matches decoded path segments against a route's pattern; on success appends
// the captured parameters.
bool matches(const Route& route, const std::vector<std::string>& segments, Parameters& captured) {
  if (route.segments.size() != segments.size()) return false;
  Parameters parameters;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (is_parameter(expected)) {
      if (segments[i].empty()) return false;
      parameters.emplace_back(std::string{parameter_name(expected)}, segments[i]);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  captured = std::move(parameters);
  return true;
}

void validate_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string{pattern});
  }
  for (std::string_view segment : split_path(pattern)) {
    const bool has_brace = segment.find_first_of("{}") != std::string_view::npos;
    if (has_brace && !is_parameter(segment)) {
      throw std::invalid_argument("a {parameter} must be a whole path segment: " + std::string{pattern});
    }
  }
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segments;
  while (true) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  validate_pattern(pattern);
  for (const Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      throw std::invalid_argument("duplicate route " + method + " " + pattern);
    }
  }
  Route route{std::move(method), std::move(pattern), {}, std::move(handler), std::move(options)};
  for (std::string_view segment : split_path(route.pattern)) route.segments.emplace_back(segment);
  if (route.options.name.empty()) route.options.name = route.pattern;
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  std::vector<std::string> segments;
  for (std::string_view raw : split_path(path)) {
    auto decoded = core::percent_decode(raw, false);
    if (!decoded) {
      result.malformed_path = true;
      return result;
    }
    segments.push_back(std::move(*decoded));
  }
  for (const Route& route : routes_) {
    Parameters parameters;
    if (!matches(route, segments, parameters)) continue;
    if (route.method == method) {
      result.route = &route;
      result.parameters = std::move(parameters);
      result.allow.clear();
      return result;
    }
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += route.method;
  }
  return result;
}

Response Router::dispatch(Request& request, const RouteMatch& match) const {
  if (match.malformed_path) return Response::error(400, "bad_request", "malformed percent-escape in the path");
  if (!match.route) {
    if (match.allow.empty()) {
      return Response::error(404, "not_found", "no route for " + request.method + " " + request.path);
    }
    Response response = Response::error(405, "method_not_allowed",
                                        request.method + " is not allowed on " + request.path);
    response.headers.set("Allow", match.allow);
    return response;
  }
  request.path_parameters = match.parameters;
  try {
    for (const Middleware& middleware : middleware_) {
      if (auto answer = middleware(request, *match.route)) return std::move(*answer);
    }
    return match.route->handler(request);
  } catch (const std::exception& e) {
    // The client learns only that it failed; the operator gets the reason.
    std::fprintf(stderr, "http: %s %s failed: %s\n", request.method.c_str(), request.path.c_str(), e.what());
    return Response::error(500, "internal", "the server failed to handle the request");
  }
}

}  // namespace http
