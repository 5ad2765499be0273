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

}  // namespace server
