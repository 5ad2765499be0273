#include "server/setting_values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

#include <re2/re2.h>

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

std::string set_work_dir(Settings& settings, std::string_view text) {
  if (text.empty()) return "the work directory must not be empty";
  settings.work_dir = std::filesystem::path{text};
  return {};
}

std::string set_unsandboxed(Settings& settings, std::string_view text) {
  if (text != "true" && text != "false") return "expected true or false";
  settings.unsandboxed = text == "true";
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
  static constexpr std::array<std::string_view, 3> names{"local", "pool", "kubernetes"};
  std::size_t kind = 0;
  std::string problem = choose(
      text, names, "local (agents started by the server), pool (agents you start) or kubernetes (a Job per workflow)",
      kind);
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

namespace {

constexpr std::size_t most_connections = 1'000'000;

// Into `out`: a count of connections from 1 to most_connections.
std::string parse_connections(std::string_view text, std::size_t& out) {
  std::size_t connections = 0;
  if (!parse_integer(text, connections) || connections < 1 || connections > most_connections)
    return "expected a number of connections from 1 to " + std::to_string(most_connections);
  out = connections;
  return {};
}

}  // namespace

std::string set_max_connections(Settings& settings, std::string_view text) {
  return parse_connections(text, settings.max_connections);
}

std::string set_connections_per_address(Settings& settings, std::string_view text) {
  return parse_connections(text, settings.connections_per_address);
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

std::string set_agent_grace(Settings& settings, std::string_view text) {
  std::string error;
  const auto grace = config::parse_duration(text, error);
  if (!grace) return error;
  if (*grace < std::chrono::milliseconds{100} || *grace > std::chrono::minutes{10})
    return "expected a grace period from 100ms to 10m";
  settings.agent_grace = *grace;
  return {};
}

std::string set_kubeconfig(Settings& settings, std::string_view text) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path{text}, ec))
    return "no such file; give the path of a kubeconfig file, or leave it unset inside a pod";
  settings.kubeconfig = std::string{text};
  return {};
}

namespace {

bool is_dns_label(std::string_view text) {
  static const RE2 label{"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"};
  return RE2::FullMatch(text, label);
}

// An http:// or https:// URL with a host into `out`, without trailing slashes.
std::string set_url(std::string_view text, const std::string& example, std::string& out) {
  const bool web = text.starts_with("http://") || text.starts_with("https://");
  if (!web || text.substr(text.find("//") + 2).empty()) return "expected an http:// or https:// URL, such as " + example;
  out = std::string{text};
  while (out.ends_with('/')) out.pop_back();
  return {};
}

}  // namespace

std::string set_public_url(Settings& settings, std::string_view text) {
  return set_url(text, "https://ci.example.com", settings.public_url);
}

std::string set_github_api_url(Settings& settings, std::string_view text) {
  return set_url(text, "https://api.github.com", settings.github_api_url);
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

std::string set_github_url(Settings& settings, std::string_view text) {
  return set_url(text, "https://github.com (or https://HOST for GitHub Enterprise Server)", settings.github_url);
}

std::string set_github_client_id(Settings& settings, std::string_view text) {
  if (text.empty() || text.find_first_of(" \t\r\n&?#/") != std::string_view::npos)
    return "expected the Client ID from the OAuth App's (or the GitHub App's) settings page";
  settings.github_client_id = std::string{text};
  return {};
}

std::string set_github_client_secret(Settings& settings, std::string_view text) {
  if (text.empty()) return "expected a file holding the client secret";
  settings.github_client_secret = std::filesystem::path{text};
  return {};
}

std::string set_admins(Settings& settings, std::string_view text) {
  // GitHub logins: letters, digits and single hyphens, at most 39.
  static const RE2 login{"[A-Za-z0-9](-?[A-Za-z0-9]){0,38}"};
  std::vector<std::string> admins;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view name = text.substr(start, comma - start);
    if (!RE2::FullMatch(name, login))
      return "\"" + std::string{name} + "\" is not a GitHub login; give one --admin per login, or logins "
             "separated by commas";
    admins.emplace_back(name);
    start = comma + 1;
  }
  settings.admins = std::move(admins);
  return {};
}

namespace {

// A whole number of days ("365d"), or a duration as configurations write
// them ("12h", "90m").
std::optional<std::chrono::milliseconds> parse_long_duration(std::string_view text, std::string& error) {
  if (text.ends_with('d')) {
    const std::string_view digits = text.substr(0, text.size() - 1);
    int days = 0;
    const auto [end, problem] = std::from_chars(digits.data(), digits.data() + digits.size(), days);
    if (digits.empty() || problem != std::errc{} || end != digits.data() + digits.size()) {
      error = "expected a number of days such as 365d, or a duration such as 12h";
      return std::nullopt;
    }
    return std::chrono::days{days};
  }
  return config::parse_duration(text, error);
}

}  // namespace

std::string set_audit_retention(Settings& settings, std::string_view text) {
  std::string error;
  const auto retention = parse_long_duration(text, error);
  if (!retention) return error;
  if (*retention < std::chrono::hours{1} || *retention > std::chrono::days{3650})
    return "expected a retention from 1h to 3650d (ten years)";
  settings.audit_retention = *retention;
  return {};
}

// Slots are remembered for store::kScheduleRunHistory: the window stays well inside it.
std::string set_schedule_catch_up(Settings& settings, std::string_view text) {
  std::string error;
  const auto window = parse_long_duration(text, error);
  if (!window) return error;
  if (*window < std::chrono::minutes{1} || *window > std::chrono::days{7})
    return "expected a catch-up window from 1m to 7d";
  settings.schedule_catch_up = *window;
  return {};
}

std::string set_kubernetes_namespace(Settings& settings, std::string_view text) {
  if (!is_dns_label(text))
    return "a namespace is a DNS label: up to 63 lower-case letters, digits and '-', such as \"ci\"";
  settings.kubernetes_namespace = std::string{text};
  return {};
}

std::string set_agent_image(Settings& settings, std::string_view text) {
  if (text.empty() || text.find_first_of(" \t\n") != std::string_view::npos)
    return "expected an image reference such as registry.example.com/factory:0.1";
  settings.agent_image = std::string{text};
  return {};
}

std::string set_agent_server_url(Settings& settings, std::string_view text) {
  return set_url(text, "http://factory.ci.svc:8080 (where agents reach this server)", settings.agent_server_url);
}

namespace {

// "cpu=500m,memory=1Gi" into `resources`, or what is wrong with it.
std::string parse_resources(std::string_view text, std::map<std::string, std::string>& resources) {
  static constexpr std::array<std::string_view, 3> names{"cpu", "memory", "ephemeral-storage"};
  static const RE2 quantity{"[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?"};
  std::map<std::string, std::string> parsed;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view pair = text.substr(start, comma - start);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) return "expected NAME=QUANTITY pairs, such as cpu=500m,memory=1Gi";
    std::size_t index = 0;
    if (std::string problem = choose(pair.substr(0, equals), names, "cpu, memory or ephemeral-storage", index);
        !problem.empty())
      return problem;
    const std::string_view amount = pair.substr(equals + 1);
    if (!RE2::FullMatch(amount, quantity))
      return "\"" + std::string{amount} + "\" is not a quantity such as 500m, 2, 512Mi or 4Gi";
    parsed[std::string{names[index]}] = std::string{amount};
    start = comma + 1;
  }
  resources = std::move(parsed);
  return {};
}

// A duration from `least` to `most`, in whole seconds.
std::string parse_seconds(std::string_view text, std::chrono::seconds least, std::chrono::seconds most,
                          const std::string& range, std::chrono::seconds& out) {
  std::string error;
  const auto duration = config::parse_duration(text, error);
  if (!duration) return error;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*duration);
  if (seconds < least || seconds > most) return "expected a duration from " + range;
  out = seconds;
  return {};
}

}  // namespace

std::string set_agent_requests(Settings& settings, std::string_view text) {
  return parse_resources(text, settings.agent_requests);
}

std::string set_agent_limits(Settings& settings, std::string_view text) {
  return parse_resources(text, settings.agent_limits);
}

std::string set_job_ttl(Settings& settings, std::string_view text) {
  return parse_seconds(text, std::chrono::seconds{1}, std::chrono::hours{720}, "1s to 720h (30 days)",
                       settings.job_ttl);
}

std::string set_job_deadline(Settings& settings, std::string_view text) {
  return parse_seconds(text, std::chrono::minutes{1}, std::chrono::hours{168}, "1m to 168h (a week)",
                       settings.job_deadline);
}

std::string set_session_idle(Settings& settings, std::string_view text) {
  std::chrono::seconds idle{};
  std::string problem = parse_seconds(text, std::chrono::minutes{1}, std::chrono::hours{720}, "1m to 720h", idle);
  if (problem.empty()) settings.session_idle = idle;
  return problem;
}

std::string set_session_lifetime(Settings& settings, std::string_view text) {
  std::chrono::seconds lifetime{};
  std::string problem =
      parse_seconds(text, std::chrono::minutes{1}, std::chrono::hours{8760}, "1m to 8760h (a year)", lifetime);
  if (problem.empty()) settings.session_lifetime = lifetime;
  return problem;
}

std::string set_consul(Settings& settings, std::string_view text) {
  return set_url(text, "http://127.0.0.1:8500 (the Consul agent on this machine)", settings.consul);
}

std::string set_consul_service(Settings& settings, std::string_view text) {
  if (!is_dns_label(text))
    return "a Consul service name is a DNS label: lower-case letters, digits and '-', such as \"factory\"";
  settings.consul_service = std::string{text};
  return {};
}

std::string set_blobs_dir(Settings& settings, std::string_view text) {
  if (text.empty()) return "the blobs directory must not be empty";
  settings.blobs_dir = std::filesystem::path{text};
  return {};
}

std::string set_blobs_s3_endpoint(Settings& settings, std::string_view text) {
  return set_url(text, "https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000", settings.blobs_s3_endpoint);
}

// S3's rules for bucket names: 3..63 lower-case letters, digits, '.' and '-'.
std::string set_blobs_s3_bucket(Settings& settings, std::string_view text) {
  const bool valid = text.size() >= 3 && text.size() <= 63 && std::all_of(text.begin(), text.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
                     });
  if (!valid) return "a bucket name has 3 to 63 lower-case letters, digits, '.' and '-'";
  settings.blobs_s3_bucket = std::string{text};
  return {};
}

std::string set_blobs_s3_region(Settings& settings, std::string_view text) {
  if (!is_dns_label(text)) return "expected a region such as us-east-1";
  settings.blobs_s3_region = std::string{text};
  return {};
}

std::string set_blobs_s3_prefix(Settings& settings, std::string_view text) {
  if (text.starts_with('/') || text.find_first_of(" \t\r\n") != std::string_view::npos)
    return "a key prefix has no spaces and does not start with '/', e.g. \"factory/\"";
  settings.blobs_s3_prefix = std::string{text};
  return {};
}

std::string set_blobs_s3_credentials(Settings& settings, std::string_view text) {
  if (text.empty()) return "the credentials file must not be empty";
  settings.blobs_s3_credentials = std::filesystem::path{text};
  return {};
}

}  // namespace server
