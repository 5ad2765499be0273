#include "http_client/proxy.h"

#include <cstdlib>
#include <span>

#include "core/base64.h"
#include "core/percent.h"

namespace http_client::detail {

namespace {

constexpr const char* kHttpsVariables[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
constexpr const char* kHttpVariables[] = {"http_proxy", "all_proxy", "ALL_PROXY"};

// The setting itself stays out of the error: it may hold a password.
Proxy unusable(std::string_view variable, const std::string& why) {
  return Proxy{.error = "the proxy in " + std::string{variable} + ": " + why};
}

// "%40" as "@"; text with a "%" that starts no escape stays as it is.
std::string percent_decoded(std::string_view text) {
  return core::percent_decode(text).value_or(std::string{text});
}

// The Proxy-Authorization value of "user[:password]".
std::string basic_credentials(std::string_view userinfo) {
  const auto colon = userinfo.find(':');
  const std::string_view password = colon == std::string_view::npos ? "" : userinfo.substr(colon + 1);
  return "Basic " + core::base64_encode(percent_decoded(userinfo.substr(0, colon)) + ":" + percent_decoded(password));
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Whether one entry of a no_proxy list names `host` (lowercase, no trailing dot).
bool entry_names(std::string_view entry, std::string_view host) {
  if (entry.starts_with('[') && entry.ends_with(']')) entry = entry.substr(1, entry.size() - 2);
  if (entry.starts_with('.')) entry.remove_prefix(1);
  if (entry.empty()) return false;
  if (host == entry) return true;
  return !is_ip_address(std::string{host}) && host.size() > entry.size() && host.ends_with(entry) &&
         host[host.size() - entry.size() - 1] == '.';
}

// A variable's value; nullptr when it is unset or empty, as curl reads them.
const char* value_of(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

}  // namespace

Proxy parse_proxy(std::string_view setting, std::string_view variable) {
  std::string_view rest = setting;
  if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    const std::string scheme = lowercase(rest.substr(0, scheme_end));
    if (scheme != "http") return unusable(variable, scheme + ":// proxies are not supported, only http:// ones");
    rest.remove_prefix(scheme_end + 3);
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  Url address;
  if (!split_authority(at == std::string_view::npos ? authority : authority.substr(at + 1), address))
    return unusable(variable, "no host, or a bad port");
  Proxy proxy{.host = address.host, .port = address.port.empty() ? "1080" : address.port};
  if (at != std::string_view::npos) proxy.authorization = basic_credentials(authority.substr(0, at));
  return proxy;
}

bool bypasses_proxy(std::string_view no_proxy, std::string_view host) {
  if (trimmed(no_proxy) == "*") return true;
  std::string name = lowercase(host);
  if (name.ends_with('.')) name.pop_back();
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    if (entry_names(lowercase(trimmed(no_proxy.substr(0, comma))), name)) return true;
    no_proxy.remove_prefix(comma == std::string_view::npos ? no_proxy.size() : comma + 1);
  }
  return false;
}

std::optional<Proxy> proxy_from_environment(const Url& url) {
  using Names = std::span<const char* const>;
  for (const char* name : url.https ? Names{kHttpsVariables} : Names{kHttpVariables}) {
    const char* setting = value_of(name);
    if (!setting) continue;
    const char* no_proxy = value_of("no_proxy") ? value_of("no_proxy") : value_of("NO_PROXY");
    if (no_proxy && bypasses_proxy(no_proxy, url.host)) return std::nullopt;
    return parse_proxy(setting, name);
  }
  return std::nullopt;
}

}  // namespace http_client::detail
