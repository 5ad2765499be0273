#include "store/connection.h"

#include "store/mariadb_connection.h"
#include "store/postgres_connection.h"
#include "store/sqlite_connection.h"

namespace store {

Result<std::unique_ptr<Connection>> connect(const DatabaseUrl& url) {
  switch (url.backend) {
    case Backend::Sqlite: return connect_sqlite(url);
    case Backend::MariaDb: return connect_mariadb(url);
    case Backend::Postgres: return connect_postgres(url);
  }
  return internal("unknown backend");
}

}  // namespace store
