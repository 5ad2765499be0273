// Bearer tokens (RFC 6750): "Authorization: Bearer <secret>", checked
// against the store's API tokens on every request to a non-public route.
#include "api/routes.h"

namespace api {

namespace {

constexpr std::string_view scheme = "Bearer ";

http::Response unauthorized(std::string_view message) {
  http::Response response = http::Response::error(401, "unauthorized", message);
  response.headers.set("WWW-Authenticate", "Bearer realm=\"factory\"");
  return response;
}

}  // namespace

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

http::Middleware bearer_token_authentication(store::Store& store) {
  return [&store](const http::Request& request, const http::Route& route) -> std::optional<http::Response> {
    if (route.options.is_public) return std::nullopt;
    auto token = bearer_token(store, request);
    if (auto* refusal = std::get_if<http::Response>(&token)) return std::move(*refusal);
    if (std::get<store::ApiToken>(token).scope != store::TokenScope::Admin)
      return http::Response::error(403, "forbidden",
                                   "agent tokens may only use the agent protocol (/api/v1/agent/...)");
    return std::nullopt;
  };
}

http::CredentialCheck has_bearer_token(store::Store& store) {
  return [&store](const http::Request& head) {
    return std::holds_alternative<store::ApiToken>(bearer_token(store, head));
  };
}

}  // namespace api
