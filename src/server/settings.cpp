#include "server/settings.h"

#include <array>
#include <cstdlib>

#include "server/config_file.h"
#include "server/setting_values.h"

namespace server {

namespace {

struct SettingSpec {
  std::string_view name;      // the config file's attribute and the key of Flags::values
  std::string_view flag;
  std::string_view variable;  // environment
  std::string (*set)(Settings&, std::string_view);
};

// data_dir comes before database: the default database lives in the data directory.
constexpr std::array<SettingSpec, 43> specs{{
    {"listen", "--listen", "FACTORY_LISTEN", set_listen},
    {"data_dir", "--data-dir", "FACTORY_DATA_DIR", set_data_dir},
    {"work_dir", "--work-dir", "FACTORY_WORK_DIR", set_work_dir},
    {"unsandboxed", "--unsandboxed", "FACTORY_UNSANDBOXED", set_unsandboxed},
    {"database", "--database", "FACTORY_DATABASE", set_database},
    {"threads", "--threads", "FACTORY_THREADS", set_threads},
    {"log_level", "--log-level", "FACTORY_LOG_LEVEL", set_log_level},
    {"max_connections", "--max-connections", "FACTORY_MAX_CONNECTIONS", set_max_connections},
    {"connections_per_address", "--connections-per-address", "FACTORY_CONNECTIONS_PER_ADDRESS",
     set_connections_per_address},
    {"provisioner", "--provisioner", "FACTORY_PROVISIONER", set_provisioner},
    {"max_agents", "--max-agents", "FACTORY_MAX_AGENTS", set_max_agents},
    {"lease", "--lease", "FACTORY_LEASE", set_lease},
    {"agent_grace", "--agent-grace", "FACTORY_AGENT_GRACE", set_agent_grace},
    {"public_url", "--public-url", "FACTORY_PUBLIC_URL", set_public_url},
    {"github_api_url", "--github-api-url", "FACTORY_GITHUB_API_URL", set_github_api_url},
    {"github_app_id", "--github-app-id", "FACTORY_GITHUB_APP_ID", set_github_app_id},
    {"github_app_key", "--github-app-key", "FACTORY_GITHUB_APP_KEY", set_github_app_key},
    {"github_token", "--github-token", "FACTORY_GITHUB_TOKEN", set_github_token},
    {"github_redelivery", "--github-redelivery", "FACTORY_GITHUB_REDELIVERY", set_github_redelivery},
    {"github_url", "--github-url", "FACTORY_GITHUB_URL", set_github_url},
    {"github_client_id", "--github-client-id", "FACTORY_GITHUB_CLIENT_ID", set_github_client_id},
    {"github_client_secret", "--github-client-secret", "FACTORY_GITHUB_CLIENT_SECRET", set_github_client_secret},
    {"admins", "--admin", "FACTORY_ADMINS", set_admins},
    {"session_idle", "--session-idle", "FACTORY_SESSION_IDLE", set_session_idle},
    {"session_lifetime", "--session-lifetime", "FACTORY_SESSION_LIFETIME", set_session_lifetime},
    {"audit_retention", "--audit-retention", "FACTORY_AUDIT_RETENTION", set_audit_retention},
    {"schedule_catch_up", "--schedule-catch-up", "FACTORY_SCHEDULE_CATCH_UP", set_schedule_catch_up},
    {"kubeconfig", "--kubeconfig", "FACTORY_KUBECONFIG", set_kubeconfig},
    {"kubernetes_namespace", "--kubernetes-namespace", "FACTORY_KUBERNETES_NAMESPACE", set_kubernetes_namespace},
    {"agent_image", "--agent-image", "FACTORY_AGENT_IMAGE", set_agent_image},
    {"agent_server_url", "--agent-server-url", "FACTORY_AGENT_SERVER_URL", set_agent_server_url},
    {"agent_requests", "--agent-requests", "FACTORY_AGENT_REQUESTS", set_agent_requests},
    {"agent_limits", "--agent-limits", "FACTORY_AGENT_LIMITS", set_agent_limits},
    {"job_ttl", "--job-ttl", "FACTORY_JOB_TTL", set_job_ttl},
    {"job_deadline", "--job-deadline", "FACTORY_JOB_DEADLINE", set_job_deadline},
    {"consul", "--consul", "FACTORY_CONSUL", set_consul},
    {"consul_service", "--consul-service", "FACTORY_CONSUL_SERVICE", set_consul_service},
    {"blobs_dir", "--blobs-dir", "FACTORY_BLOBS_DIR", set_blobs_dir},
    {"blobs_s3_endpoint", "--blobs-s3-endpoint", "FACTORY_BLOBS_S3_ENDPOINT", set_blobs_s3_endpoint},
    {"blobs_s3_bucket", "--blobs-s3-bucket", "FACTORY_BLOBS_S3_BUCKET", set_blobs_s3_bucket},
    {"blobs_s3_region", "--blobs-s3-region", "FACTORY_BLOBS_S3_REGION", set_blobs_s3_region},
    {"blobs_s3_prefix", "--blobs-s3-prefix", "FACTORY_BLOBS_S3_PREFIX", set_blobs_s3_prefix},
    {"blobs_s3_credentials", "--blobs-s3-credentials", "FACTORY_BLOBS_S3_CREDENTIALS", set_blobs_s3_credentials},
}};

constexpr std::array<std::string_view, specs.size()> setting_names() {
  std::array<std::string_view, specs.size()> names;
  for (std::size_t i = 0; i < specs.size(); ++i) names[i] = specs[i].name;
  return names;
}

// A setting's text and where it came from: a flag or variable name, or a
// range in the configuration file.
struct Given {
  std::string text;
  std::string source;
  hcl::Range range;
};

std::optional<Given> given(const SettingSpec& spec, const Flags& flags, Environment environment,
                           const FileValues& file) {
  if (const auto flag = flags.values.find(std::string{spec.name}); flag != flags.values.end()) {
    return Given{flag->second, std::string{spec.flag}, {}};
  }
  if (auto value = environment(std::string{spec.variable}.c_str())) {
    return Given{std::move(*value), "the environment variable " + std::string{spec.variable}, {}};
  }
  if (const auto attribute = file.find(spec.name); attribute != file.end()) {
    return Given{attribute->second.text, {}, attribute->second.range};
  }
  return std::nullopt;
}

// `problem` as a sentence: ending with a full stop unless it ends with a question.
std::string sentence(const std::string& problem) { return problem.ends_with('?') ? problem : problem + "."; }

void report(const SettingSpec& spec, const Given& value, const std::string& problem, hcl::Diagnostics& diags) {
  hcl::Diagnostic diagnostic;
  diagnostic.subject = value.range;
  if (value.range.file) {
    diagnostic.summary = "Invalid " + std::string{spec.name};
    diagnostic.detail = "\"" + value.text + "\": " + sentence(problem);
  } else {
    diagnostic.summary = "Invalid " + std::string{spec.name} + " \"" + value.text + "\" from " + value.source;
    diagnostic.detail = sentence(problem);
  }
  diags.add(std::move(diagnostic));
}

FileValues read_file_values(const Flags& flags, Environment environment, hcl::Diagnostics& diags) {
  const auto path = flags.config ? flags.config : environment("FACTORY_CONFIG");
  if (!path) return {};
  static constexpr auto names = setting_names();
  return read_config_file(*path, names, diags);
}

// A GitHub App needs both its id and its key; a token is the alternative.
void check_github_credentials(const Settings& settings, hcl::Diagnostics& diags) {
  std::string problem;
  if (settings.github_app_id.empty() != settings.github_app_key.empty())
    problem = "a GitHub App needs both github_app_id and github_app_key (its private key file)";
  else if (!settings.github_app_id.empty() && !settings.github_token.empty())
    problem = "give either a GitHub App (github_app_id, github_app_key) or github_token, not both";
  else if (settings.github_client_id.empty() != settings.github_client_secret.empty())
    problem = "signing in with GitHub needs both github_client_id and github_client_secret (a file holding it)";
  else if (!settings.github_client_id.empty() && settings.public_url.empty())
    problem = "signing in with GitHub needs public_url: GitHub sends people back to <public_url>/auth/github/callback";
  if (problem.empty()) return;
  hcl::Diagnostic diagnostic;
  diagnostic.summary = "Invalid GitHub credentials";
  diagnostic.detail = sentence(problem);
  diags.add(std::move(diagnostic));
}

// Workspaces inside the data directory (or the data directory inside the
// work directory) would put the server's secrets within a build's reach
// whenever it runs unsandboxed.
void check_work_dir(const Settings& settings, hcl::Diagnostics& diags) {
  const auto normal = [](const std::filesystem::path& path) {
    return (std::filesystem::absolute(path).lexically_normal() / "").string();
  };
  const std::string work = normal(settings.work_dir), data = normal(settings.data_dir);
  if (!work.starts_with(data) && !data.starts_with(work)) return;
  hcl::Diagnostic diagnostic;
  diagnostic.summary = "Invalid work_dir \"" + settings.work_dir.string() + "\"";
  diagnostic.detail = "the work directory and the data directory (" + settings.data_dir.string() +
                      ") must not contain one another: builds work in the work directory. Choose another, or "
                      "leave it unset for " + default_work_dir(settings.data_dir).string() + ".";
  diags.add(std::move(diagnostic));
}

}  // namespace

std::filesystem::path default_work_dir(const std::filesystem::path& data_dir) {
  std::filesystem::path dir = std::filesystem::absolute(data_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "…/data/" names "…/data"
  dir += ".work";
  return dir;
}

std::optional<std::string> process_environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string{value};
}

std::optional<Settings> resolve_settings(const Flags& flags, Environment environment, hcl::Diagnostics& diags) {
  const FileValues file = read_file_values(flags, environment, diags);
  Settings settings;
  for (const SettingSpec& spec : specs) {
    const auto value = given(spec, flags, environment, file);
    if (!value) continue;
    const std::string problem = spec.set(settings, value->text);
    if (!problem.empty()) report(spec, *value, problem, diags);
  }
  if (settings.database_is_default) settings.database = "sqlite:" + (settings.data_dir / "factory.db").string();
  if (settings.work_dir.empty()) settings.work_dir = default_work_dir(settings.data_dir);
  if (settings.blobs_dir.empty()) settings.blobs_dir = settings.data_dir / "blobs";
  check_work_dir(settings, diags);
  if (!settings.blobs_s3_endpoint.empty() && settings.blobs_s3_bucket.empty()) {
    hcl::Diagnostic diagnostic;
    diagnostic.summary = "Invalid blobs_s3_bucket";
    diagnostic.detail = "blobs in an S3-compatible bucket (blobs_s3_endpoint) need the bucket's name: "
                        "set blobs_s3_bucket.";
    diags.add(std::move(diagnostic));
  }
  check_github_credentials(settings, diags);
  if (settings.session_idle > settings.session_lifetime) {
    hcl::Diagnostic diagnostic;
    diagnostic.summary = "Invalid session_idle";
    diagnostic.detail = "a session's idle time is longer than its whole lifetime (session_lifetime).";
    diags.add(std::move(diagnostic));
  }
  if (diags.has_errors()) return std::nullopt;
  return settings;
}

}  // namespace server
