// The parts of an http:// or https:// URL that a request needs, and the
// pieces of its parsing that proxy settings share. Internal to src/http_client.
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
  std::string authority;    // host:port as CONNECT wants it, port always
  std::string error;   // why the text is no URL we can use; the rest is empty then
};

Url parse_url(std::string_view text);

// Splits "host", "host:port", "[v6]" or "[v6]:port" into `url`'s host and
// port (left empty when not given); false if it is none of them.
bool split_authority(std::string_view authority, Url& url);

std::string lowercase(std::string_view text);

// Whether `host` is an IPv4 or IPv6 address (without brackets) rather than a name.
bool is_ip_address(const std::string& host);

}  // namespace http_client::detail
