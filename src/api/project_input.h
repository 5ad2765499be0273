// What a project may be made of, checked before anything is written: the
// repository URL's scheme and a generated webhook secret when none is given.
#pragma once

#include <string>
#include <string_view>

namespace api {

// Throws a 400 ApiError unless `url` is http://, https://, git:// or the
// scp-like SSH form git@host:path, with a host.
void check_repository_url(std::string_view url);

// 32 random bytes (OpenSSL RAND_bytes) as 64 hex digits.
std::string new_webhook_secret();

}  // namespace api
