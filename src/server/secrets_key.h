// The key project secrets are encrypted with (store::SecretsKey): 32 random
// bytes in <data-dir>/secrets.key, mode 0600, made by `factory server` on
// first start. Without the file the stored secrets cannot be read, so it is
// backed up with the database; servers sharing one database share one key
// file (docs/secrets.md).
#pragma once

#include <filesystem>

#include "store/store.h"

namespace server {

// Reads <data_dir>/secrets.key, creating it first when there is none. A new
// key is written whole under a temporary name and then linked into place,
// so the file never exists half-written, and of servers creating it at once
// one wins and all read its key. A file of another size, or one the group or
// others may access, is refused (invalid); unavailable when the file cannot
// be read or written.
store::Result<store::SecretsKey> ensure_secrets_key(const std::filesystem::path& data_dir);

}  // namespace server
