// Bearer tokens (RFC 6750): "Authorization: Bearer <secret>", checked
// against the store's API tokens.
#include "api/routes.h"

namespace api {

namespace {

constexpr std::string_view scheme = "Bearer ";

}  // namespace

http::Response unauthorized(std::string_view message) {
  http::Response response = http::Response::error(401, "unauthorized", message);
  response.headers.set("WWW-Authenticate", "Bearer realm=\"factory\"");
  return response;
}

std::variant<store::ApiToken, http::Response> bearer_token(store::Store& store, const http::Request& request) {
  const std::string_view header = request.header("Authorization").value_or("");
  if (header.size() <= scheme.size() || !http::iequals(header.substr(0, scheme.size()), scheme)) {
    return unauthorized("this endpoint requires an Authorization: Bearer <token> header");
  }
  auto token = store.verify_token(header.substr(scheme.size()));
  if (token) return std::move(*token);
  if (token.error().kind == store::ErrorKind::NotFound) return unauthorized("the bearer token is not valid");
  return to_api_error(token.error()).response();
}

}  // namespace api
