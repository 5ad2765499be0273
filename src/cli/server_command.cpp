// `factory server`: the REST API and the web UI on the configured store,
// until SIGINT or SIGTERM. Start-up notes go to stdout ("listening on
// http://HOST:PORT", then where the web UI is and how to sign in); the access
// log and problems to stderr.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/settings_flags.h"
#include "consul/consul.h"
#include "core/environment.h"
#include "kubernetes/provisioner.h"
#include "runner/sandbox.h"
#include "server/admin_token.h"
#include "server/audit_pruner.h"
#include "server/blob_pruner.h"
#include "server/blob_store.h"
#include "server/data_dir.h"
#include "server/open_files.h"
#include "server/open_store.h"
#include "server/service.h"
#include "server/stop_signals.h"

namespace cli {

namespace {

void print_admin_token_note(const server::AdminToken& admin) {
  if (admin.created) {
    std::cout << "created the admin API token in " << admin.path.string() << " (cat it; it is shown nowhere else)\n";
  } else if (std::filesystem::exists(admin.path)) {
    std::cout << "admin API token: " << admin.path.string() << "\n";
  }
}

// The last note: where to point a browser, and what to sign in with.
void print_web_ui_note(const std::string& url, const server::AdminToken& admin, bool github_sign_in) {
  std::cout << "web UI: " << url << "/ (" << (github_sign_in ? "sign in with GitHub, or " : "")
            << "sign in with an API token: "
            << (std::filesystem::exists(admin.path) ? "cat " + admin.path.string()
                                                    : std::string{"`factory token create NAME` makes one"})
            << ")" << std::endl;
}

http::ServerOptions http_options(const server::Settings& settings) {
  http::ServerOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.threads = settings.threads;
  options.max_connections = settings.max_connections;
  options.connections_per_address = settings.connections_per_address;
  if (settings.log_level < server::LogLevel::Info) options.access_log = {};
  return options;
}

// The kubernetes provisioner for `settings`; null with `error` set when the
// cluster's configuration cannot be read.
std::unique_ptr<orchestrator::Provisioner> kubernetes_provisioner(const server::Settings& settings,
                                                                  std::string& error) {
  auto cluster = settings.kubeconfig.empty() ? kubernetes::load_in_cluster(error)
                                             : kubernetes::load_kubeconfig(settings.kubeconfig, error);
  if (!cluster) return nullptr;
  kubernetes::ProvisionerOptions options;
  options.job.namespace_name = !settings.kubernetes_namespace.empty() ? settings.kubernetes_namespace
                               : !cluster->namespace_name.empty()     ? cluster->namespace_name
                                                                      : "default";
  options.job.image = settings.agent_image;
  options.job.requests = settings.agent_requests;
  options.job.limits = settings.agent_limits;
  options.job.ttl_after_finished = settings.job_ttl;
  options.job.active_deadline = settings.job_deadline;
  options.cluster = std::move(*cluster);
  options.server_url = settings.agent_server_url;
  options.max_agents = settings.max_agents;
  return kubernetes::make_provisioner(std::move(options));
}

std::unique_ptr<orchestrator::Provisioner> provisioner(const server::Settings& settings, std::string& error) {
  switch (settings.provisioner) {
    case server::Provisioner::Local: {
      std::error_code ec;
      auto agent_command = orchestrator::agent_command_beside(std::filesystem::read_symlink("/proc/self/exe", ec));
      if (settings.unsandboxed) agent_command.push_back("--unsandboxed");
      return orchestrator::make_local_provisioner(
          {agent_command, settings.work_dir.string(), settings.max_agents, settings.agent_grace});
    }
    case server::Provisioner::Pool:
      return orchestrator::make_pool_provisioner();
    case server::Provisioner::Kubernetes:
      return kubernetes_provisioner(settings, error);
  }
  return nullptr;
}

std::string describe_agents(const server::Settings& settings) {
  const std::string bound = "up to " + std::to_string(settings.max_agents) + " at once";
  switch (settings.provisioner) {
    case server::Provisioner::Local:
      return "local, " + bound;
    case server::Provisioner::Pool:
      return "pool (start them with `factory agent`)";
    case server::Provisioner::Kubernetes:
      return "kubernetes Jobs of " + settings.agent_image + ", " + bound;
  }
  return {};
}

// This server in Consul while it runs, when a Consul agent is configured:
// at the URL agents are given, else at this host's name and the port.
std::unique_ptr<consul::Registration> register_with_consul(const server::Settings& settings, std::uint16_t port) {
  if (settings.consul.empty()) return nullptr;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const bool everywhere = settings.host == "0.0.0.0" || settings.host == "::";
  const std::string url = !settings.agent_server_url.empty()
                              ? settings.agent_server_url
                              : server::http_url(everywhere ? host : settings.host, port);
  std::cout << "registering " << url << " in Consul at " << settings.consul << " as " << settings.consul_service
            << std::endl;
  return std::make_unique<consul::Registration>(
      settings.consul, consul::Service{.id = settings.consul_service + "-" + host + "-" + std::to_string(port),
                                       .name = settings.consul_service,
                                       .url = url});
}

int fail(const std::string& message) {
  std::cerr << "factory server: " << message << "\n";
  return 1;
}

// The first line of the client secret file; empty without one. Throws
// std::runtime_error when it cannot be read or holds nothing.
std::string read_client_secret(const std::filesystem::path& file) {
  if (file.empty()) return {};
  std::ifstream in{file};
  std::string secret;
  if (!in || !std::getline(in, secret)) throw std::runtime_error("cannot read the GitHub client secret " + file.string());
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.empty()) throw std::runtime_error("the GitHub client secret file " + file.string() + " is empty");
  return secret;
}

// The GitHub client the settings describe; none without credentials.
// Throws std::runtime_error when the App's key cannot be read.
server::GitHubOptions github_options(const server::Settings& settings) {
  server::GitHubOptions github;
  github.sync.public_url = settings.public_url;
  github.admins = settings.admins;
  github.sessions = {.idle = settings.session_idle, .lifetime = settings.session_lifetime};
  github.sign_in = {.web_url = settings.github_url, .api_url = settings.github_api_url,
                    .client_id = settings.github_client_id,
                    .client_secret = read_client_secret(settings.github_client_secret)};
  if (!settings.has_github()) return github;
  github::GitHubOptions client{.rest = {.api_url = settings.github_api_url}, .token = settings.github_token};
  if (!settings.github_app_id.empty()) {
    std::string error;
    client.app_id = settings.github_app_id;
    client.app_key = github::AppKey::load(settings.github_app_key, error);
    if (!client.app_key) throw std::runtime_error("the GitHub App key: " + error);
  }
  github.client = std::make_unique<github::GitHub>(std::move(client));
  github.sync.redelivery_interval = settings.github_redelivery;
  if (settings.log_level >= server::LogLevel::Warn)
    github.sync.warn = [](const std::string& message) {
      std::cerr << "factory server: github: " << message << std::endl;
    };
  return github;
}

// Warnings of a background task, when the log level lets them through.
std::function<void(const std::string&)> warner(const server::Settings& settings) {
  if (settings.log_level < server::LogLevel::Warn) return {};
  return [](const std::string& message) { std::cerr << "factory server: " << message << std::endl; };
}

// What local agents' executions will run in, said before the first build
// rather than in its log only: loudly when it is nothing.
void report_isolation(const server::Settings& settings) {
  if (settings.provisioner != server::Provisioner::Local) return;
  if (settings.unsandboxed) {
    std::cerr << "factory server: WARNING: --unsandboxed: local agents run executions as plain processes of "
                 "this user. Any build can read " << settings.data_dir.string()
              << " (the admin token, the secrets key, the database: every project's secrets), other "
                 "workspaces and this user's files, and signal this user's processes. Use it only when every "
                 "repository built here is trusted (docs/runner.md#sandbox).\n";
    return;
  }
  std::string problem;
  if (!runner::detect_sandbox(problem))
    std::cerr << "factory server: warning: executions will fail until this is fixed: " << problem << "\n";
}

int serve(const server::Settings& settings) {
  // Builds run as this user: they must not read this process's environment
  // (database password, GitHub token) or memory through /proc.
  core::make_undumpable();
  server::StopSignals stop_signals;  // before the store and the server start threads
  server::raise_open_file_limit();   // before the HTTP server sizes its connection limit
  auto store = server::open_store(settings, server::DataDir::Create);
  if (!store) return fail(store.error().message);
  if (settings.log_level >= server::LogLevel::Warn && !server::is_private(settings.data_dir)) {
    std::cerr << "factory server: warning: " << settings.data_dir.string()
              << " is accessible to other users; chmod 700 it to keep tokens, the secrets key and the database private\n";
  }
  const auto admin = server::ensure_admin_token(**store, settings.data_dir);
  if (!admin) return fail(admin.error().message);
  if (settings.provisioner == server::Provisioner::Local) {
    try {
      server::create_data_dir(settings.work_dir);  // private, as the data directory
    } catch (const std::exception& error) {
      return fail("cannot create the work directory " + settings.work_dir.string() + ": " + error.what());
    }
  }
  report_isolation(settings);
  std::string error;
  server::AgentOptions agents;
  agents.provisioner = provisioner(settings, error);
  if (!agents.provisioner) return fail(error);
  agents.orchestrator.lease = settings.lease;
  agents.orchestrator.cancel_grace = settings.agent_grace;
  auto blobs = server::open_blob_store(settings, server::process_environment);
  server::Service service{std::move(*store), http_options(settings), std::move(agents), github_options(settings),
                          server::SchedulerOptions{.catch_up = settings.schedule_catch_up,
                                                   .scratch = settings.data_dir / "schedules",
                                                   .warn = warner(settings)},
                          std::move(blobs)};
  service.start();
  server::AuditPruner audit_pruner{service.store(), {.retention = settings.audit_retention, .warn = warner(settings)}};
  server::BlobPruner blob_pruner{service.store(), *service.blobs(), {.warn = warner(settings)}};
  std::cout << "data directory: " << settings.data_dir.string() << "\n";
  std::cout << "caches and artifacts: " << server::describe_blob_store(settings) << "\n";
  if (settings.provisioner == server::Provisioner::Local)
    std::cout << "work directory: " << settings.work_dir.string() << "\n";
  print_admin_token_note(*admin);
  std::cout << "build agents: " << describe_agents(settings) << "\n";
  std::cout << "connections: up to " << service.connection_limit() << ", " << settings.connections_per_address
            << " from one address\n";
  if (settings.has_github())
    std::cout << "GitHub: " << settings.github_api_url
              << (settings.github_token.empty() ? " as App " + settings.github_app_id : std::string{" with a token"})
              << "\n";
  const std::string url = server::http_url(settings.host, service.port());
  std::cout << "listening on " << url << std::endl;
  print_web_ui_note(url, *admin, !settings.github_client_id.empty());
  auto registration = register_with_consul(settings, service.port());
  const int signal = stop_signals.wait();
  std::cout << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ": finishing requests in flight" << std::endl;
  registration.reset();  // first, so that agents look for another server
  service.stop();
  std::cout << "stopped" << std::endl;
  return 0;
}

}  // namespace

void add_server_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("server", "Run the FactoryCI server: the REST API on a data directory");
  auto flags = std::make_shared<server::Flags>();
  add_setting_flags(*command, *flags, SettingFlags::Server);
  command->callback([&exit_code, flags] {
    const auto settings = resolve_or_report(*flags);
    if (!settings) {
      exit_code = bad_setting_exit;
      return;
    }
    try {
      exit_code = serve(*settings);
    } catch (const std::exception& error) {
      exit_code = fail(error.what());
    }
  });
}

}  // namespace cli
