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
  add_value_flag(command, flags, "--provisioner", "provisioner",
                 "local: the server starts an agent process per workflow; pool: agents started with "
                 "`factory agent` claim work (env FACTORY_PROVISIONER; default local)");
  add_value_flag(command, flags, "--max-agents", "max_agents",
                 "Local agents running at once (env FACTORY_MAX_AGENTS; default 4)");
  add_value_flag(command, flags, "--lease", "lease",
                 "How long an agent may stay silent before its workflow is retried (env FACTORY_LEASE; default 30s)");
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
}

std::optional<server::Settings> resolve_or_report(const server::Flags& flags) {
  hcl::Diagnostics diags;
  auto settings = server::resolve_settings(flags, server::process_environment, diags);
  if (!diags.empty()) std::cerr << hcl::render(diags, isatty(STDERR_FILENO));
  return settings;
}

}  // namespace cli
