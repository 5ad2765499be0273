#include "http_client/url.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace http_client::detail {

namespace {

Url invalid(std::string_view text, const std::string& why) {
  Url url;
  url.error = "bad URL \"" + std::string{text} + "\": " + why;
  return url;
}

bool valid_port(std::string_view port) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  return error == std::errc{} && end == port.data() + port.size() && value > 0 && value <= 65535;
}

}  // namespace

std::string lowercase(std::string_view text) {
  std::string lower{text};
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code error;
  boost::asio::ip::make_address(host, error);
  return !error;
}

bool split_authority(std::string_view authority, Url& url) {
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    url.host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const auto colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (!port.empty()) url.port = port;
  return !url.host.empty() && (url.port.empty() || valid_port(url.port));
}

Url parse_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return invalid(text, "no scheme (http:// or https://)");
  const std::string scheme = lowercase(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return invalid(text, "unsupported scheme \"" + scheme + "\"");
  Url url;
  url.https = scheme == "https";
  const std::string_view rest = text.substr(scheme_end + 3);
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) return invalid(text, "credentials in URLs are not supported");
  if (!split_authority(authority, url)) return invalid(text, "no host, or a bad port");
  const bool default_port = url.port.empty();
  if (default_port) url.port = url.https ? "443" : "80";
  const bool ipv6 = url.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  url.authority = host + ":" + url.port;
  url.host_header = default_port ? host : url.authority;
  url.target = rest.substr(authority_end, rest.find('#', authority_end) - authority_end);
  if (!url.target.starts_with('/')) url.target.insert(0, "/");
  return url;
}

}  // namespace http_client::detail
