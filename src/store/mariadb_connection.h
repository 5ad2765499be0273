// The MariaDB/MySQL backend over the C connector (libmariadb): binary-protocol
// prepared statements, utf8mb4, and rows-matched counts for updates.
#pragma once

#include <memory>

#include "store/connection.h"

namespace store {

Result<std::unique_ptr<Connection>> connect_mariadb(const DatabaseUrl& url);

}  // namespace store
