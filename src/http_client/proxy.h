// The proxy a request goes through, chosen from the environment as curl
// chooses it: https_proxy or HTTPS_PROXY for https:// URLs, http_proxy for
// http:// ones (only the lowercase name: a CGI program finds a request's
// "Proxy:" header in HTTP_PROXY), all_proxy or ALL_PROXY when that is unset,
// and none for a host that no_proxy or NO_PROXY names. An empty variable is
// an unset one. Only http:// proxies: no SOCKS, no TLS to the proxy.
// Internal to src/http_client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http_client/url.h"

namespace http_client::detail {

struct Proxy {
  std::string host;  // an IPv6 literal without its brackets
  std::string port;  // 1080 when the setting names none, as with curl
  std::string authorization;  // the Proxy-Authorization header's value; empty without credentials
  std::string error;  // why the setting is no proxy we can use; the rest is empty then

  std::string address() const { return host + ":" + port; }
};

// The proxy of an "[http://][user[:password]@]host[:port][/]" setting, the
// user and password percent-encoded; `variable` names the setting in an error.
Proxy parse_proxy(std::string_view setting, std::string_view variable);

// Whether a no_proxy setting names `host`: "*" names every host; otherwise
// it is a comma-separated list of host names, each naming itself and the
// names under it (a leading dot changes nothing), and IP addresses, each
// naming only itself. Without ports.
bool bypasses_proxy(std::string_view no_proxy, std::string_view host);

// The proxy for `url` from this process's environment, read at each call
// (a few getenv calls); nullopt: connect directly.
std::optional<Proxy> proxy_from_environment(const Url& url);

}  // namespace http_client::detail
