// Session cookies (docs/people.md#signing-in): who a cookie signs in, and
// the CSRF check on what it may change. A cookie goes with every request
// the browser makes to this server, also those another site's page starts;
// the X-CSRF-Token header only our own pages can send.
#include <openssl/crypto.h>

#include <algorithm>

#include "api/routes.h"

namespace api {

namespace {

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

// Compares in time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

store::Timestamp now(const ApiOptions& options) {
  if (options.clock) return options.clock();
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::optional<std::string_view> cookie(const http::Request& request, std::string_view name) {
  std::string_view header = request.header("Cookie").value_or("");
  while (!header.empty()) {
    const std::size_t end = std::min(header.find(';'), header.size());
    std::string_view pair = header.substr(0, end);
    header.remove_prefix(std::min(end + 1, header.size()));
    while (pair.starts_with(' ')) pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
  }
  return std::nullopt;
}

std::variant<Caller, http::Response> session_caller(const Routes& routes, const http::Request& request) {
  const auto secret = cookie(request, kSessionCookie);
  if (!secret || secret->empty()) return Caller{};
  auto session = routes.store.use_session(*secret, now(routes.options), routes.options.sessions);
  // An ended or expired session's cookie is no credential: the caller is
  // anonymous, and still sees what is public.
  if (!session && session.error().kind == store::ErrorKind::NotFound) return Caller{};
  if (!session) return to_api_error(session.error()).response();
  if (changes_state(request.method) &&
      !same_secret(request.header("X-CSRF-Token").value_or(""), session->csrf_token))
    return http::Response::error(403, "csrf",
                                 "a request made with the session cookie that changes something must carry the "
                                 "session's CSRF token in the X-CSRF-Token header (GET /api/v1/user gives it)");
  return Caller{.kind = Caller::Kind::User, .user_id = session->user.id, .login = session->user.login,
                .server_admin = is_server_admin(routes.options, session->user.login), .by_session = true,
                .csrf_token = session->csrf_token};
}

http::CredentialCheck has_credentials(const Routes& routes) {
  return [routes](const http::Request& head) {
    if (head.header("Authorization"))
      return std::holds_alternative<store::ApiToken>(bearer_token(routes.store, head));
    const auto secret = cookie(head, kSessionCookie);
    return secret && !secret->empty() &&
           routes.store.use_session(*secret, now(routes.options), routes.options.sessions).ok();
  };
}

}  // namespace api
