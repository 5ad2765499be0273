// `factory server`: the REST API and the web UI on the configured store,
// until SIGINT or SIGTERM. Start-up notes go to stdout ("listening on
// http://HOST:PORT", then where the web UI is and how to sign in); the access
// log and problems to stderr.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/settings_flags.h"
#include "server/admin_token.h"
#include "server/data_dir.h"
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
void print_web_ui_note(const std::string& url, const server::AdminToken& admin) {
  std::cout << "web UI: " << url << "/ (sign in with an API token: "
            << (std::filesystem::exists(admin.path) ? "cat " + admin.path.string()
                                                    : std::string{"`factory token create NAME` makes one"})
            << ")" << std::endl;
}

http::ServerOptions http_options(const server::Settings& settings) {
  http::ServerOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.threads = settings.threads;
  if (settings.log_level < server::LogLevel::Info) options.access_log = {};
  return options;
}

server::AgentOptions agent_options(const server::Settings& settings) {
  server::AgentOptions agents;
  if (settings.provisioner == server::Provisioner::Local) {
    std::error_code ec;
    agents.provisioner = orchestrator::make_local_provisioner(
        {orchestrator::agent_command_beside(std::filesystem::read_symlink("/proc/self/exe", ec)),
         (settings.data_dir / "agents").string(), settings.max_agents});
  } else {
    agents.provisioner = orchestrator::make_pool_provisioner();
  }
  agents.orchestrator.lease = settings.lease;
  return agents;
}

int fail(const std::string& message) {
  std::cerr << "factory server: " << message << "\n";
  return 1;
}

int serve(const server::Settings& settings) {
  server::StopSignals stop_signals;  // before the store and the server start threads
  auto store = server::open_store(settings, server::DataDir::Create);
  if (!store) return fail(store.error().message);
  if (settings.log_level >= server::LogLevel::Warn && !server::is_private(settings.data_dir)) {
    std::cerr << "factory server: warning: " << settings.data_dir.string()
              << " is accessible to other users; chmod 700 it to keep tokens, the secrets key and the database private\n";
  }
  const auto admin = server::ensure_admin_token(**store, settings.data_dir);
  if (!admin) return fail(admin.error().message);
  server::Service service{std::move(*store), http_options(settings), agent_options(settings)};
  service.start();
  std::cout << "data directory: " << settings.data_dir.string() << "\n";
  print_admin_token_note(*admin);
  std::cout << "build agents: " << (settings.provisioner == server::Provisioner::Local
                                        ? "local, up to " + std::to_string(settings.max_agents) + " at once"
                                        : std::string{"pool (start them with `factory agent`)"})
            << "\n";
  const std::string url = server::http_url(settings.host, service.port());
  std::cout << "listening on " << url << std::endl;
  print_web_ui_note(url, *admin);
  const int signal = stop_signals.wait();
  std::cout << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ": finishing requests in flight" << std::endl;
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
