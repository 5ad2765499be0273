// The setting flags `factory server` and `factory token` share (see
// server/settings.h for the environment variables and the config file).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

#include "server/settings.h"

namespace cli {

enum class SettingFlags { Store, Server };  // Server adds --listen, --threads, --log-level

void add_setting_flags(CLI::App& command, server::Flags& flags, SettingFlags which);

// The resolved settings, or nullopt after printing every problem to stderr.
std::optional<server::Settings> resolve_or_report(const server::Flags& flags);

// Exit status for a bad setting (as CLI11 uses for bad flags).
constexpr int bad_setting_exit = 2;

}  // namespace cli
