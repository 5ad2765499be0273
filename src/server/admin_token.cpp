#include "server/admin_token.h"

#include "server/data_dir.h"

namespace server {

store::Result<AdminToken> ensure_admin_token(store::Store& store, const std::filesystem::path& data_dir) {
  AdminToken admin{data_dir / "admin.token"};
  const auto tokens = store.list_tokens();
  if (!tokens) return tokens.error();
  if (!tokens->empty()) return admin;
  const auto token = store.create_token("admin");
  if (!token) return token.error();
  write_private_file(admin.path, token->secret + "\n");
  admin.created = true;
  return admin;
}

}  // namespace server
