#include "server/setting_values.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>

#include "config/duration.h"
#include "hcl/functions.h"
#include "store/database_url.h"

namespace server {

namespace {

constexpr unsigned max_threads = 1024;
constexpr std::size_t most_agents = 256;

template <class Integer>
bool parse_integer(std::string_view text, Integer& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size() && !text.empty();
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

std::string set_listen(Settings& settings, std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return "expected HOST:PORT, such as 127.0.0.1:8080";
  std::string host{text.substr(0, colon)};
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!is_ip_address(host)) {
    return "the host \"" + host + "\" is not an IP address; use one such as 127.0.0.1, 0.0.0.0 or [::1]";
  }
  unsigned port = 0;
  if (!parse_integer(text.substr(colon + 1), port) || port > 65535) {
    return "the port \"" + std::string{text.substr(colon + 1)} + "\" is not a number from 0 to 65535";
  }
  settings.host = std::move(host);
  settings.port = static_cast<std::uint16_t>(port);
  return {};
}

std::string set_data_dir(Settings& settings, std::string_view text) {
  if (text.empty()) return "the data directory must not be empty";
  settings.data_dir = std::filesystem::path{text};
  return {};
}

std::string set_database(Settings& settings, std::string_view text) {
  const auto url = store::parse_database_url(text);
  if (!url) return url.error().message;
  settings.database = std::string{text};
  settings.database_is_default = false;
  return {};
}

std::string set_threads(Settings& settings, std::string_view text) {
  unsigned threads = 0;
  if (!parse_integer(text, threads) || threads > max_threads) {
    return "expected a number of threads from 1 to " + std::to_string(max_threads) +
           ", or 0 for one per hardware thread";
  }
  settings.threads = threads;
  return {};
}

namespace {

// The index of `text` among `names`, or what to write instead.
template <std::size_t N>
std::string choose(std::string_view text, const std::array<std::string_view, N>& names, const std::string& expected,
                   std::size_t& index) {
  for (index = 0; index < names.size(); ++index)
    if (text == names[index]) return {};
  std::string message = "expected " + expected;
  const std::string_view suggestion = hcl::closest_name(text, names);
  if (!suggestion.empty()) message += "; did you mean \"" + std::string{suggestion} + "\"?";
  return message;
}

}  // namespace

std::string set_log_level(Settings& settings, std::string_view text) {
  static constexpr std::array<std::string_view, 3> names{"error", "warn", "info"};
  std::size_t level = 0;
  std::string problem = choose(text, names, "error, warn or info", level);
  if (problem.empty()) settings.log_level = static_cast<LogLevel>(level);
  return problem;
}

std::string set_provisioner(Settings& settings, std::string_view text) {
  static constexpr std::array<std::string_view, 2> names{"local", "pool"};
  std::size_t kind = 0;
  std::string problem = choose(text, names, "local (agents started by the server) or pool (agents you start)", kind);
  if (problem.empty()) settings.provisioner = static_cast<Provisioner>(kind);
  return problem;
}

std::string set_max_agents(Settings& settings, std::string_view text) {
  std::size_t agents = 0;
  if (!parse_integer(text, agents) || agents < 1 || agents > most_agents)
    return "expected a number of agents from 1 to " + std::to_string(most_agents);
  settings.max_agents = agents;
  return {};
}

std::string set_lease(Settings& settings, std::string_view text) {
  std::string error;
  const auto lease = config::parse_duration(text, error);
  if (!lease) return error;
  if (*lease < std::chrono::seconds{2} || *lease > std::chrono::hours{1})
    return "expected a lease from 2s to 1h; agents renew it every second";
  settings.lease = *lease;
  return {};
}

namespace {

// An http:// or https:// URL with a host, without the trailing slash.
std::string set_url(std::string& out, std::string_view text) {
  const bool web = text.starts_with("http://") || text.starts_with("https://");
  if (!web || text.substr(text.find("//") + 2).empty())
    return "expected an http:// or https:// URL, such as https://ci.example.com";
  while (text.ends_with('/')) text.remove_suffix(1);
  out = std::string{text};
  return {};
}

}  // namespace

std::string set_public_url(Settings& settings, std::string_view text) { return set_url(settings.public_url, text); }

std::string set_github_api_url(Settings& settings, std::string_view text) {
  return set_url(settings.github_api_url, text);
}

std::string set_github_app_id(Settings& settings, std::string_view text) {
  unsigned long long id = 0;
  if (!parse_integer(text, id)) return "expected the App ID (a number) from the GitHub App's settings page";
  settings.github_app_id = std::string{text};
  return {};
}

std::string set_github_app_key(Settings& settings, std::string_view text) {
  if (text.empty()) return "the private key file must not be empty";
  settings.github_app_key = std::filesystem::path{text};
  return {};
}

std::string set_github_token(Settings& settings, std::string_view text) {
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return "a token has no spaces or line breaks";
  settings.github_token = std::string{text};
  return {};
}

std::string set_github_redelivery(Settings& settings, std::string_view text) {
  if (text == "0") {
    settings.github_redelivery = std::chrono::milliseconds{0};
    return {};
  }
  std::string error;
  const auto interval = config::parse_duration(text, error);
  if (!interval) return error;
  if (*interval < std::chrono::minutes{1} || *interval > std::chrono::hours{24})
    return "expected 0 (never) or an interval from 1m to 24h";
  settings.github_redelivery = *interval;
  return {};
}

}  // namespace server
