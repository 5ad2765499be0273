#include "cli/settings_flags.h"

#include <unistd.h>

#include <iostream>

namespace cli {

namespace {

void add_value_flag(CLI::App& command, server::Flags& flags, const std::string& flag, const std::string& setting,
                    const std::string& help) {
  command.add_option_function<std::string>(
      flag, [&flags, setting](const std::string& value) { flags.values[setting] = value; }, help);
}

// The settings of --provisioner kubernetes (docs/kubernetes.md).
void add_kubernetes_flags(CLI::App& command, server::Flags& flags) {
  add_value_flag(command, flags, "--kubeconfig", "kubeconfig",
                 "Kubernetes: kubeconfig file (env FACTORY_KUBECONFIG; default: the pod's service account)");
  add_value_flag(command, flags, "--kubernetes-namespace", "kubernetes_namespace",
                 "Kubernetes: namespace of the agents' Jobs (env FACTORY_KUBERNETES_NAMESPACE; default: the "
                 "kubeconfig context's or the pod's)");
  add_value_flag(command, flags, "--agent-image", "agent_image",
                 "Kubernetes: the agents' image (env FACTORY_AGENT_IMAGE; default factory:latest)");
  add_value_flag(command, flags, "--agent-server-url", "agent_server_url",
                 "Kubernetes: the URL agents reach this server at (env FACTORY_AGENT_SERVER_URL)");
  add_value_flag(command, flags, "--agent-requests", "agent_requests",
                 "Kubernetes: an agent's resource requests, e.g. cpu=500m,memory=1Gi (env FACTORY_AGENT_REQUESTS)");
  add_value_flag(command, flags, "--agent-limits", "agent_limits",
                 "Kubernetes: an agent's resource limits, e.g. cpu=2,memory=4Gi (env FACTORY_AGENT_LIMITS)");
  add_value_flag(command, flags, "--job-ttl", "job_ttl",
                 "Kubernetes: how long finished Jobs are kept (env FACTORY_JOB_TTL; default 1h)");
  add_value_flag(command, flags, "--job-deadline", "job_deadline",
                 "Kubernetes: a Job's longest run (env FACTORY_JOB_DEADLINE; default 6h)");
}

// Where caches' and artifacts' blobs live (docs/storage.md#where-blobs-live).
// Credentials are never flags: a file, or the environment.
void add_blob_flags(CLI::App& command, server::Flags& flags) {
  add_value_flag(command, flags, "--blobs-dir", "blobs_dir",
                 "Caches and artifacts: their directory, on shared storage for several servers "
                 "(env FACTORY_BLOBS_DIR; default DATA_DIR/blobs)");
  add_value_flag(command, flags, "--blobs-s3-endpoint", "blobs_s3_endpoint",
                 "Caches and artifacts in an S3-compatible bucket at this URL instead "
                 "(env FACTORY_BLOBS_S3_ENDPOINT)");
  add_value_flag(command, flags, "--blobs-s3-bucket", "blobs_s3_bucket",
                 "The bucket's name (env FACTORY_BLOBS_S3_BUCKET)");
  add_value_flag(command, flags, "--blobs-s3-region", "blobs_s3_region",
                 "The bucket's region (env FACTORY_BLOBS_S3_REGION; default us-east-1)");
  add_value_flag(command, flags, "--blobs-s3-prefix", "blobs_s3_prefix",
                 "A prefix of every key in the bucket, e.g. factory/ (env FACTORY_BLOBS_S3_PREFIX)");
  add_value_flag(command, flags, "--blobs-s3-credentials", "blobs_s3_credentials",
                 "A file of two lines, the access key id and the secret access key (env "
                 "FACTORY_BLOBS_S3_CREDENTIALS; default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
}

}  // namespace

void add_setting_flags(CLI::App& command, server::Flags& flags, SettingFlags which) {
  command.add_option_function<std::string>(
      "--config", [&flags](const std::string& path) { flags.config = path; },
      "HCL file of settings (env FACTORY_CONFIG)");
  add_value_flag(command, flags, "--data-dir", "data_dir",
                 "Data directory (env FACTORY_DATA_DIR; default ./factory-data)");
  add_value_flag(command, flags, "--database", "database",
                 "Database URL: sqlite:PATH, mysql://…, postgres://… "
                 "(env FACTORY_DATABASE; default sqlite:DATA_DIR/factory.db)");
  if (which == SettingFlags::Store) return;
  add_value_flag(command, flags, "--listen", "listen",
                 "HOST:PORT to listen on; port 0 picks a free one (env FACTORY_LISTEN; default 127.0.0.1:8080)");
  add_value_flag(command, flags, "--threads", "threads",
                 "I/O threads; 0 is one per hardware thread (env FACTORY_THREADS)");
  add_value_flag(command, flags, "--log-level", "log_level",
                 "error, warn or info; info logs each request (env FACTORY_LOG_LEVEL)");
  add_value_flag(command, flags, "--max-connections", "max_connections",
                 "Open connections at most, fewer under the open-files limit (env FACTORY_MAX_CONNECTIONS; "
                 "default 10000)");
  add_value_flag(command, flags, "--connections-per-address", "connections_per_address",
                 "Open connections from one client address (an IPv6 /64) at most; raise it behind a reverse proxy "
                 "(env FACTORY_CONNECTIONS_PER_ADDRESS; default 256)");
  add_value_flag(command, flags, "--provisioner", "provisioner",
                 "local: the server starts an agent process per workflow; pool: agents started with "
                 "`factory agent` claim work; kubernetes: a Job per workflow (env FACTORY_PROVISIONER; default local)");
  add_value_flag(command, flags, "--work-dir", "work_dir",
                 "Where local agents make workspaces and write logs; not inside the data directory "
                 "(env FACTORY_WORK_DIR; default DATA_DIR.work)");
  command.add_flag_callback(
      "--unsandboxed", [&flags] { flags.values["unsandboxed"] = "true"; },
      "Local agents run executions outside the bubblewrap sandbox, where builds can read the data directory "
      "(env FACTORY_UNSANDBOXED=true; docs/runner.md#sandbox)");
  add_value_flag(command, flags, "--max-agents", "max_agents",
                 "Local agents running at once (env FACTORY_MAX_AGENTS; default 4)");
  add_value_flag(command, flags, "--lease", "lease",
                 "How long an agent may stay silent before its workflow is retried (env FACTORY_LEASE; default 30s)");
  add_value_flag(command, flags, "--agent-grace", "agent_grace",
                 "How long an agent has to confirm a cancel, then to stop, before it is killed with its builds "
                 "(env FACTORY_AGENT_GRACE; default 10s)");
  add_value_flag(command, flags, "--public-url", "public_url",
                 "The URL GitHub and people reach this server at: webhook and commit status links "
                 "(env FACTORY_PUBLIC_URL)");
  add_value_flag(command, flags, "--github-api-url", "github_api_url",
                 "GitHub's REST API; https://HOST/api/v3 for GitHub Enterprise Server "
                 "(env FACTORY_GITHUB_API_URL; default https://api.github.com)");
  add_value_flag(command, flags, "--github-app-id", "github_app_id",
                 "The GitHub App's ID (env FACTORY_GITHUB_APP_ID; see docs/github.md)");
  add_value_flag(command, flags, "--github-app-key", "github_app_key",
                 "The GitHub App's private key, a PEM file (env FACTORY_GITHUB_APP_KEY)");
  add_value_flag(command, flags, "--github-token", "github_token",
                 "A personal access token instead of an App (env FACTORY_GITHUB_TOKEN, which keeps it off the "
                 "process list)");
  add_value_flag(command, flags, "--github-redelivery", "github_redelivery",
                 "How often missed webhook deliveries are looked for; 0: never "
                 "(env FACTORY_GITHUB_REDELIVERY; default 10m)");
  add_value_flag(command, flags, "--github-url", "github_url",
                 "GitHub's web host, where people sign in (env FACTORY_GITHUB_URL; default https://github.com)");
  add_value_flag(command, flags, "--github-client-id", "github_client_id",
                 "Sign in with GitHub: the OAuth App's or GitHub App's client ID (env FACTORY_GITHUB_CLIENT_ID)");
  add_value_flag(command, flags, "--github-client-secret", "github_client_secret",
                 "A file holding that app's client secret (env FACTORY_GITHUB_CLIENT_SECRET)");
  command.add_option_function<std::vector<std::string>>(
      "--admin",
      [&flags](const std::vector<std::string>& logins) {
        std::string& admins = flags.values["admins"];
        for (const std::string& login : logins) admins += (admins.empty() ? "" : ",") + login;
      },
      "A server admin's GitHub login; repeat for more (env FACTORY_ADMINS, comma-separated)");
  add_value_flag(command, flags, "--session-idle", "session_idle",
                 "A signed-in session unused this long ends (env FACTORY_SESSION_IDLE; default 12h)");
  add_value_flag(command, flags, "--session-lifetime", "session_lifetime",
                 "A signed-in session's longest life (env FACTORY_SESSION_LIFETIME; default 168h, 7 days)");
  add_value_flag(command, flags, "--audit-retention", "audit_retention",
                 "How long audit log entries are kept: days (90d) or a duration (36h), 1h to 3650d "
                 "(env FACTORY_AUDIT_RETENTION; default 365d)");
  add_value_flag(command, flags, "--schedule-catch-up", "schedule_catch_up",
                 "How late a schedule's slot may still run, as after every server was down: 1m to 7d "
                 "(env FACTORY_SCHEDULE_CATCH_UP; default 1h)");
  add_blob_flags(command, flags);
  add_kubernetes_flags(command, flags);
  add_value_flag(command, flags, "--consul", "consul",
                 "A Consul agent to register this server with, e.g. http://127.0.0.1:8500 (env FACTORY_CONSUL)");
  add_value_flag(command, flags, "--consul-service", "consul_service",
                 "The service name registered in Consul (env FACTORY_CONSUL_SERVICE; default factory)");
}

std::optional<server::Settings> resolve_or_report(const server::Flags& flags) {
  hcl::Diagnostics diags;
  auto settings = server::resolve_settings(flags, server::process_environment, diags);
  if (!diags.empty()) std::cerr << hcl::render(diags, isatty(STDERR_FILENO));
  return settings;
}

}  // namespace cli
