// The SQLite backend: one file, WAL journal (readers never wait for the
// writer), foreign keys on, a busy timeout instead of immediate SQLITE_BUSY.
#pragma once

#include <memory>

#include "store/connection.h"

namespace store {

Result<std::unique_ptr<Connection>> connect_sqlite(const DatabaseUrl& url);

}  // namespace store
