// The persistence of FactoryCI: owners, projects and API tokens (workflows
// and their tree join later), behind one interface with three backends:
//   sqlite:PATH                               (default; one file, WAL mode)
//   mysql://user:pass@host:port/db            (also mariadb://; libmariadb)
//   postgres://user:pass@host:port/db         (also postgresql://; libpq)
// open() applies the schema migrations first, under a database-wide lock,
// so servers starting together do not race.
//
// Ids are UUID v7 text (lowercase 8-4-4-4-12): they sort by creation time,
// which is the order of every list. Timestamps are milliseconds since the
// Unix epoch.
//
// Thread-safety: a Store is safe to use from many threads at once. It holds a
// small pool of connections; each call borrows one, so a connection is only
// ever used by one thread at a time. A call that finds its connection dropped
// by the server reconnects and runs once more; callers see `unavailable` only
// when the database stays unreachable.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/result.h"

namespace store {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

struct Owner {
  std::string id;
  std::string name;
  Timestamp created_at;
};

struct Project {
  std::string id;
  std::string owner_id;
  std::string owner_name;
  std::string name;
  std::string url;
  std::string webhook_secret;  // for webhook verification; the API never returns it
  Timestamp created_at;
  Timestamp updated_at;
};

struct NewProject {
  std::string owner;  // owner name; the owner is created when missing
  std::string name;
  std::string url;
  std::string webhook_secret;
};

// Fields left empty keep their value.
struct ProjectChanges {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<std::string> webhook_secret;
};

struct ApiToken {
  std::string id;
  std::string name;
  Timestamp created_at;
  std::optional<Timestamp> last_used_at;
  std::optional<Timestamp> revoked_at;
};

// A freshly made token: `secret` is shown to the user once; only its
// SHA-256 is stored.
struct CreatedToken {
  ApiToken token;
  std::string secret;
};

// Keyset pagination: items with ids after `after` (empty: from the start),
// at most `limit` of them (1..1000).
struct PageRequest {
  std::string after;
  int limit = 50;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::string next;  // pass as `after` for the next page; empty on the last page
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<Owner> create_owner(std::string_view name) = 0;
  virtual Result<Owner> get_owner(std::string_view id) = 0;
  virtual Result<Owner> find_owner(std::string_view name) = 0;
  virtual Result<Page<Owner>> list_owners(const PageRequest& page) = 0;
  virtual Result<Owner> rename_owner(std::string_view id, std::string_view name) = 0;
  virtual Status delete_owner(std::string_view id) = 0;  // conflict while it has projects

  virtual Result<Project> create_project(const NewProject& project) = 0;
  virtual Result<Project> get_project(std::string_view id) = 0;
  virtual Result<Project> find_project_by_url(std::string_view url) = 0;
  // All projects, or with owner_id set only that owner's.
  virtual Result<Page<Project>> list_projects(const PageRequest& page, std::string_view owner_id = {}) = 0;
  virtual Result<Project> update_project(std::string_view id, const ProjectChanges& changes) = 0;
  virtual Status delete_project(std::string_view id) = 0;

  virtual Result<CreatedToken> create_token(std::string_view name) = 0;
  virtual Result<std::vector<ApiToken>> list_tokens() = 0;
  virtual Status revoke_token(std::string_view id) = 0;
  // The token a secret belongs to; not_found for unknown or revoked secrets.
  // Records last_used_at at most once a minute per token, so that checking
  // a token on every request stays a read.
  virtual Result<ApiToken> verify_token(std::string_view secret) = 0;
};

struct OpenOptions {
  int pool_size = 8;  // connections kept at most; calls beyond wait for one
};

Result<std::unique_ptr<Store>> open(std::string_view url, const OpenOptions& options = {});

}  // namespace store
