// The data directory: the SQLite database (by default), admin.token and
// secrets.key live there, so it is made private to the user running the server.
#pragma once

#include <filesystem>
#include <string_view>

namespace server {

// Creates `dir` and its missing parents, the last with mode 0700; an existing
// directory is left as it is. Throws std::filesystem::filesystem_error.
void create_data_dir(const std::filesystem::path& dir);

// True when neither the group nor others have any access to `dir`.
bool is_private(const std::filesystem::path& dir);

// Writes `content` to `path` with mode 0600, replacing any previous file in
// one step (a reader sees the old content or the new, never a mix).
// Throws std::system_error.
void write_private_file(const std::filesystem::path& path, std::string_view content);

}  // namespace server
