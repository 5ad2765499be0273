// Durations as written in the configuration: "1s", "2m", "1h30m", "500ms".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace config {

// A positive duration made of whole numbers with units h, m, s and ms, each
// unit at most once and largest first. On failure, nullopt and a message in
// `error` that says how to write it.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& error);

}  // namespace config
