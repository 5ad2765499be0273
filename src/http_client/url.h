// The parts of an http:// or https:// URL that a request needs. Internal to
// src/http_client.
#pragma once

#include <string>
#include <string_view>

namespace http_client::detail {

struct Url {
  bool https = false;
  std::string host;    // an IPv6 literal without its brackets
  std::string port;    // 80 or 443 when the URL names none
  std::string target;  // path and query, "/" at least; no fragment
  std::string host_header;  // host[:port] as the Host header wants it
  std::string error;   // why the text is no URL we can use; the rest is empty then
};

Url parse_url(std::string_view text);

}  // namespace http_client::detail
