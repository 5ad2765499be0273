// Parsing of the database URLs open() accepts (see store.h). Passwords and
// user names may be percent-encoded.
#pragma once

#include <string>
#include <string_view>

#include "store/result.h"

namespace store {

enum class Backend { Sqlite, MariaDb, Postgres };

struct DatabaseUrl {
  Backend backend;
  std::string text;      // the URL as given; libpq takes it directly
  std::string path;      // sqlite: the database file
  std::string user;      // mariadb
  std::string password;  // mariadb
  std::string host;      // mariadb
  unsigned port = 0;     // mariadb; 0 means the default
  std::string database;  // mariadb
};

Result<DatabaseUrl> parse_database_url(std::string_view url);

}  // namespace store
