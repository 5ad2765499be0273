#include "server/open_store.h"

#include "server/data_dir.h"
#include "server/secrets_key.h"

namespace server {

namespace {

store::Status prepare_data_dir(const Settings& settings, DataDir data_dir) {
  if (data_dir == DataDir::MustExist) {
    if (!settings.database_is_default || std::filesystem::is_directory(settings.data_dir)) return {};
    return store::not_found("there is no data directory " + settings.data_dir.string() +
                            " (factory server creates it on first start; --data-dir names another)");
  }
  try {
    create_data_dir(settings.data_dir);
    return {};
  } catch (const std::filesystem::filesystem_error& error) {
    return store::unavailable("cannot create the data directory " + settings.data_dir.string() + ": " +
                              error.code().message());
  }
}

}  // namespace

store::Result<std::unique_ptr<store::Store>> open_store(const Settings& settings, DataDir data_dir) {
  if (const auto prepared = prepare_data_dir(settings, data_dir); !prepared) return prepared.error();
  store::OpenOptions options;
  if (data_dir == DataDir::Create) {
    auto key = ensure_secrets_key(settings.data_dir);
    if (!key) return key.error();
    options.secrets_key = *key;
    options.queue_commit_statuses = settings.has_github();  // the server sends them (server/github_sync.h)
  }
  return store::open(settings.database, options);
}

}  // namespace server
