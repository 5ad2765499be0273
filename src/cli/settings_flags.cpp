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
}

std::optional<server::Settings> resolve_or_report(const server::Flags& flags) {
  hcl::Diagnostics diags;
  auto settings = server::resolve_settings(flags, server::process_environment, diags);
  if (!diags.empty()) std::cerr << hcl::render(diags, isatty(STDERR_FILENO));
  return settings;
}

}  // namespace cli
