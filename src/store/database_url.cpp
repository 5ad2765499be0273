#include "store/database_url.h"

#include <charconv>

#include "core/percent.h"

namespace store {

namespace {

bool consume_prefix(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

Result<std::string> percent_decode(std::string_view text) {
  auto decoded = core::percent_decode(text);
  if (!decoded) return invalid("bad percent escape in database URL");
  return std::move(*decoded);
}

Result<DatabaseUrl> parse_sqlite(std::string_view rest, DatabaseUrl url) {
  consume_prefix(rest, "//");  // sqlite:///abs/path and sqlite:path both work
  if (rest.empty()) return invalid("sqlite URL needs a file path: sqlite:PATH");
  url.path = std::string(rest);
  return url;
}

Status parse_credentials(std::string_view userinfo, DatabaseUrl& url) {
  auto colon = userinfo.find(':');
  auto user = percent_decode(userinfo.substr(0, colon));
  if (!user) return user.error();
  url.user = std::move(*user);
  if (colon == std::string_view::npos) return {};
  auto password = percent_decode(userinfo.substr(colon + 1));
  if (!password) return password.error();
  url.password = std::move(*password);
  return {};
}

Status parse_host_port(std::string_view hostport, DatabaseUrl& url) {
  auto colon = hostport.rfind(':');
  url.host = std::string(hostport.substr(0, colon));
  if (colon == std::string_view::npos) return {};
  std::string_view port = hostport.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), url.port);
  if (ec != std::errc() || end != port.data() + port.size() || url.port == 0 || url.port > 65535)
    return invalid("bad port in database URL: " + std::string(port));
  return {};
}

// mysql://user:pass@host:port/database
Result<DatabaseUrl> parse_mariadb(std::string_view rest, DatabaseUrl url) {
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size())
    return invalid("mysql URL needs a database: mysql://user:pass@host:port/db");
  url.database = std::string(rest.substr(slash + 1));
  std::string_view authority = rest.substr(0, slash);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (auto status = parse_credentials(authority.substr(0, at), url); !status) return status.error();
    authority.remove_prefix(at + 1);
  }
  if (auto status = parse_host_port(authority, url); !status) return status.error();
  if (url.host.empty()) url.host = "127.0.0.1";
  return url;
}

}  // namespace

Result<DatabaseUrl> parse_database_url(std::string_view text) {
  DatabaseUrl url{.backend = Backend::Sqlite, .text = std::string(text)};
  std::string_view rest = text;
  if (consume_prefix(rest, "sqlite:")) return parse_sqlite(rest, std::move(url));
  if (consume_prefix(rest, "mysql://") || consume_prefix(rest, "mariadb://")) {
    url.backend = Backend::MariaDb;
    return parse_mariadb(rest, std::move(url));
  }
  if (rest.starts_with("postgres://") || rest.starts_with("postgresql://")) {
    url.backend = Backend::Postgres;
    return url;
  }
  return invalid("unsupported database URL '" + std::string(text) +
                 "': use sqlite:PATH, mysql://user:pass@host:port/db or postgres://user:pass@host:port/db");
}

}  // namespace store
