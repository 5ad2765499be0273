// `factory token create NAME | list | revoke ID`: API tokens, straight in
// the store the server uses (no server needs to run).
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/settings_flags.h"
#include "server/open_store.h"

namespace cli {

namespace {

std::string time_text(const std::optional<store::Timestamp>& time) {
  if (!time) return "-";
  const std::time_t seconds = std::chrono::system_clock::to_time_t(*time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &utc);
  return text;
}

void print_tokens(const std::vector<store::ApiToken>& tokens) {
  const auto row = [](const std::string& id, const std::string& name, const std::string& scope,
                      const std::string& created, const std::string& used, const std::string& revoked) {
    std::cout << std::left << std::setw(38) << id << std::setw(20) << name << std::setw(7) << scope << std::setw(22)
              << created << std::setw(22) << used << revoked << "\n";
  };
  row("ID", "NAME", "SCOPE", "CREATED", "LAST USED", "REVOKED");
  for (const auto& token : tokens) {
    row(token.id, token.name, token.scope == store::TokenScope::Agent ? "agent" : "admin",
        time_text(token.created_at), time_text(token.last_used_at), time_text(token.revoked_at));
  }
}

int fail(const store::Error& error) {
  std::cerr << "factory token: " << error.message << "\n";
  return 1;
}

// Runs `action` on the store the settings name; returns the exit status.
template <class Action>
int with_store(const server::Flags& flags, Action action) {
  const auto settings = resolve_or_report(flags);
  if (!settings) return bad_setting_exit;
  auto store = server::open_store(*settings, server::DataDir::MustExist);
  if (!store) return fail(store.error());
  return action(**store);
}

}  // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("token", "Create, list and revoke API tokens");
  command->require_subcommand(1);
  command->fallthrough();  // the setting flags may follow the action: `token list --data-dir D`
  auto flags = std::make_shared<server::Flags>();
  add_setting_flags(*command, *flags, SettingFlags::Store);

  auto name = std::make_shared<std::string>();
  auto for_agents = std::make_shared<bool>(false);
  auto* create = command->add_subcommand("create", "Create a token and print its secret (shown this once)");
  create->add_option("NAME", *name, "What the token is for, e.g. \"deploy script\"")->required();
  create->add_flag("--agent", *for_agents,
                   "A token for build agents (`factory agent`): it reaches only the agent protocol");
  create->callback([&exit_code, flags, name, for_agents] {
    exit_code = with_store(*flags, [&](store::Store& store) {
      const auto created = store.create_token(*name, *for_agents ? store::TokenScope::Agent : store::TokenScope::Admin);
      if (!created) return fail(created.error());
      std::cerr << "created token " << created->token.id << " \"" << created->token.name
                << "\"; its secret follows and is shown only now:\n";
      std::cout << created->secret << "\n";
      return 0;
    });
  });

  auto* list = command->add_subcommand("list", "List tokens: id, name, created, last used, revoked");
  list->callback([&exit_code, flags] {
    exit_code = with_store(*flags, [](store::Store& store) {
      const auto tokens = store.list_tokens();
      if (!tokens) return fail(tokens.error());
      print_tokens(*tokens);
      return 0;
    });
  });

  auto id = std::make_shared<std::string>();
  auto* revoke = command->add_subcommand("revoke", "Revoke a token by id; requests with it get 401 from then on");
  revoke->add_option("ID", *id, "The token's id, as `factory token list` shows it")->required();
  revoke->callback([&exit_code, flags, id] {
    exit_code = with_store(*flags, [&id](store::Store& store) {
      const auto revoked = store.revoke_token(*id);
      if (!revoked) return fail(revoked.error());
      std::cout << "revoked token " << *id << "\n";
      return 0;
    });
  });
}

}  // namespace cli
