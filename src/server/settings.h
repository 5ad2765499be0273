// The settings of `factory server` and `factory token`, and where each one
// came from. Every setting can be given as a flag, a FACTORY_* environment
// variable or an attribute of an HCL configuration file; the first of those
// that is present wins, else the default:
//   listen     --listen HOST:PORT   FACTORY_LISTEN     127.0.0.1:8080
//   data_dir   --data-dir DIR       FACTORY_DATA_DIR   ./factory-data
//   database   --database URL       FACTORY_DATABASE   sqlite:<data_dir>/factory.db
//   work_dir   --work-dir DIR       FACTORY_WORK_DIR   <data_dir>.work (local agents' workspaces and logs;
//                                                      never inside the data directory)
//   unsandboxed --unsandboxed       FACTORY_UNSANDBOXED false (true: local agents run executions
//                                                      outside the sandbox; docs/runner.md#sandbox)
//   threads    --threads N          FACTORY_THREADS    0 (one per hardware thread)
//   log_level  --log-level LEVEL    FACTORY_LOG_LEVEL  info
//   max_connections  --max-connections N  FACTORY_MAX_CONNECTIONS  10000 (less under the descriptor limit)
//   connections_per_address  --connections-per-address N  FACTORY_CONNECTIONS_PER_ADDRESS  256
//                    (an IPv4 address's or an IPv6 /64's open connections)
//   provisioner --provisioner KIND  FACTORY_PROVISIONER local (or pool, kubernetes)
//   max_agents --max-agents N       FACTORY_MAX_AGENTS 4 (local agents at once)
//   lease      --lease DURATION     FACTORY_LEASE      30s (an agent's silence before its work is retried)
//   agent_grace --agent-grace DURATION FACTORY_AGENT_GRACE 10s (for an agent to confirm a cancel, then to
//              stop, before it is killed with its builds)
//   public_url --public-url URL     FACTORY_PUBLIC_URL  none (where GitHub and people reach this server)
//   github_api_url  --github-api-url URL   FACTORY_GITHUB_API_URL  https://api.github.com
//   github_app_id   --github-app-id ID     FACTORY_GITHUB_APP_ID   none (with github_app_key: a GitHub App)
//   github_app_key  --github-app-key FILE  FACTORY_GITHUB_APP_KEY  none (the App's PEM private key)
//   github_token    --github-token TOKEN   FACTORY_GITHUB_TOKEN    none (a personal access token instead)
//   github_redelivery --github-redelivery DURATION  FACTORY_GITHUB_REDELIVERY  10m
//                   (how often missed deliveries are looked for; 0: never)
//   audit_retention --audit-retention DURATION  FACTORY_AUDIT_RETENTION  365d
//                   (audit log entries older than this are deleted; 1h to 3650d)
//   schedule_catch_up --schedule-catch-up DURATION  FACTORY_SCHEDULE_CATCH_UP  1h
//                   (a schedule's slot found later than this, as after every server was down, is
//                   skipped; 1m to 7d)
// Without GitHub credentials the server makes no GitHub calls (docs/github.md).
// Signing in with GitHub (docs/people.md#signing-in); off without a client id:
//   github_url      --github-url URL       FACTORY_GITHUB_URL      https://github.com (GitHub's web host)
//   github_client_id --github-client-id ID FACTORY_GITHUB_CLIENT_ID none (of an OAuth App or the GitHub App)
//   github_client_secret --github-client-secret FILE  FACTORY_GITHUB_CLIENT_SECRET  none (a file holding
//                   the client secret; needed with a client id)
//   admins          --admin LOGIN (repeatable)  FACTORY_ADMINS  none (GitHub logins, comma-separated in
//                   the variable and the file: the server admins)
//   session_idle    --session-idle DURATION      FACTORY_SESSION_IDLE      12h (unused this long, a session ends)
//   session_lifetime --session-lifetime DURATION FACTORY_SESSION_LIFETIME  168h (a session's longest life: 7 days)
// With --provisioner kubernetes (docs/kubernetes.md), each flag's variable
// is FACTORY_ and its name in capitals (FACTORY_AGENT_IMAGE):
//   kubeconfig           --kubeconfig FILE          in-cluster (the pod's service account)
//   kubernetes_namespace --kubernetes-namespace NS  the kubeconfig context's or the pod's
//   agent_image          --agent-image IMAGE        factory:latest
//   agent_server_url     --agent-server-url URL     the URL the server listens on (also the one in Consul)
//   agent_requests       --agent-requests cpu=1,... none
//   agent_limits         --agent-limits memory=2Gi  none
//   job_ttl              --job-ttl DURATION         1h (finished Jobs are kept this long)
//   job_deadline         --job-deadline DURATION    6h (a Job's longest run)
// Caches' and artifacts' blobs (docs/storage.md#where-blobs-live): a directory, or an S3-compatible
// bucket when blobs_s3_endpoint is set. S3 credentials never come as flags: from the file
// blobs_s3_credentials names, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY:
//   blobs_dir             --blobs-dir DIR             <data_dir>/blobs (a directory on shared storage
//                                                     for several servers)
//   blobs_s3_endpoint     --blobs-s3-endpoint URL     none (http(s)://host[:port], path-style)
//   blobs_s3_bucket       --blobs-s3-bucket NAME      none (needed with an endpoint)
//   blobs_s3_region       --blobs-s3-region REGION    us-east-1
//   blobs_s3_prefix       --blobs-s3-prefix PREFIX    none (keys start with it, e.g. "factory/")
//   blobs_s3_credentials  --blobs-s3-credentials FILE none (two lines: access key id, secret access key)
// With Consul (docs/consul.md):
//   consul               --consul URL               none (no registration)
//   consul_service       --consul-service NAME      factory
// The file itself is named by --config FILE or FACTORY_CONFIG.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hcl/diagnostics.h"

namespace server {

// info: start-up notes and the access log; warn: warnings and errors; error: errors only.
enum class LogLevel { Error, Warn, Info };

// Where build agents come from (orchestrator/provisioner.h).
enum class Provisioner { Local, Pool, Kubernetes };

struct Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port
  std::filesystem::path data_dir = "factory-data";
  std::string database;       // a store URL (store/store.h)
  bool database_is_default = true;  // the SQLite file inside data_dir
  std::filesystem::path work_dir;   // empty until resolved: <data_dir>.work
  bool unsandboxed = false;
  unsigned threads = 0;
  LogLevel log_level = LogLevel::Info;
  std::size_t max_connections = 10'000;
  std::size_t connections_per_address = 256;
  Provisioner provisioner = Provisioner::Local;
  std::size_t max_agents = 4;
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds agent_grace{10'000};
  std::string public_url;  // no trailing slash
  std::string github_api_url = "https://api.github.com";
  std::string github_app_id;
  std::filesystem::path github_app_key;
  std::string github_token;
  std::chrono::milliseconds github_redelivery{600'000};
  std::chrono::milliseconds audit_retention{std::chrono::days{365}};
  std::chrono::milliseconds schedule_catch_up{std::chrono::hours{1}};

  std::string github_url = "https://github.com";
  std::string github_client_id;
  std::filesystem::path github_client_secret;
  std::vector<std::string> admins;
  std::chrono::milliseconds session_idle{std::chrono::hours{12}};
  std::chrono::milliseconds session_lifetime{std::chrono::hours{7 * 24}};

  bool has_github() const { return !github_token.empty() || !github_app_id.empty(); }
  // The Kubernetes provisioner's; empty strings: see the table above.
  std::string kubeconfig;
  std::string kubernetes_namespace;
  std::string agent_image = "factory:latest";
  std::string agent_server_url;
  std::map<std::string, std::string> agent_requests;  // resource name → quantity
  std::map<std::string, std::string> agent_limits;
  std::chrono::seconds job_ttl{3600};
  std::chrono::seconds job_deadline{6 * 3600};
  std::string consul;  // a Consul agent's URL; empty: none
  std::string consul_service = "factory";
  std::filesystem::path blobs_dir;  // empty until resolved: <data_dir>/blobs
  std::string blobs_s3_endpoint;    // empty: the directory
  std::string blobs_s3_bucket;
  std::string blobs_s3_region = "us-east-1";
  std::string blobs_s3_prefix;
  std::filesystem::path blobs_s3_credentials;
};

// Values given on the command line, by setting name ("listen", "data_dir"...).
struct Flags {
  std::optional<std::string> config;
  std::map<std::string, std::string> values;
};

// Looks a variable up in the environment; empty or unset gives nullopt.
using Environment = std::optional<std::string> (*)(const char* name);
std::optional<std::string> process_environment(const char* name);

// <data_dir>.work: beside the data directory, never inside it.
std::filesystem::path default_work_dir(const std::filesystem::path& data_dir);

// Resolves every setting by precedence (flag > environment > file > default)
// and checks it. Problems go to `diags`, naming the setting and its source
// (a file's at its line and column); the result is then nullopt.
std::optional<Settings> resolve_settings(const Flags& flags, Environment environment, hcl::Diagnostics& diags);

}  // namespace server
