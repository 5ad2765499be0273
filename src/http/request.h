// An HTTP request as handlers see it: method, decoded path and query, headers,
// body, the peer's address and the parameters the router matched.
#pragma once

#include <any>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/headers.h"

namespace http {

using Parameters = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;          // "GET", "POST"... as sent (methods are case-sensitive)
  std::string target;          // the raw request target, "/project?id=%41"
  std::string path;            // percent-decoded path, "/project"
  Parameters query_parameters; // decoded, in order; a name may repeat
  Parameters path_parameters;  // filled by the router: {"id", "42"} for /projects/{id}
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1"
  unsigned short remote_port = 0;
  // What a layer above found out about the request for its handler (the
  // API keeps the resolved caller here); http itself never reads it.
  std::any context;

  std::optional<std::string_view> query(std::string_view name) const;
  std::optional<std::string_view> param(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

// Splits "a=1&b=x%20y&c" into decoded pairs; nullopt on a malformed escape.
std::optional<Parameters> parse_query(std::string_view query);

}  // namespace http
