// The PostgreSQL backend over libpq: named prepared statements ($1, $2, …
// rewritten from the portable `?`), text results.
#pragma once

#include <memory>

#include "store/connection.h"

namespace store {

Result<std::unique_ptr<Connection>> connect_postgres(const DatabaseUrl& url);

}  // namespace store
