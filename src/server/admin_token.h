// The first API token: a server starting on a database without any token
// creates one named "admin" and leaves its secret in the data directory, so
// a new user can call the API without any set-up. The secret is written to
// the file only, never to a log.
#pragma once

#include <filesystem>

#include "store/store.h"

namespace server {

struct AdminToken {
  std::filesystem::path path;  // <data_dir>/admin.token
  bool created = false;        // made by this call
};

// Creates the admin token when the store has no tokens at all (revoked ones
// count: a database whose tokens were all revoked is not a new one). Throws
// std::system_error when the file cannot be written.
store::Result<AdminToken> ensure_admin_token(store::Store& store, const std::filesystem::path& data_dir);

}  // namespace server
