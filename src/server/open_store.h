// Opening the store that a set of settings names, migrations included.
#pragma once

#include <memory>

#include "server/settings.h"
#include "store/store.h"

namespace server {

// Create: the server makes its data directory (0700) on first start; it
// holds admin.token and secrets.key whatever the database, and the store
// gets the key (server/secrets_key.h). MustExist: commands that only use an
// existing installation (`factory token`) refuse a default SQLite database
// whose data directory is not there, so a mistyped path is not taken for an
// empty installation; they touch no secrets and open the store without the
// key.
enum class DataDir { Create, MustExist };

store::Result<std::unique_ptr<store::Store>> open_store(const Settings& settings, DataDir data_dir);

}  // namespace server
