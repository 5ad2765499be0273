#include "api/errors.h"

#include <cstdio>

namespace api {

void fail(int status, std::string code, const std::string& message) {
  throw ApiError{status, std::move(code), message};
}

ApiError to_api_error(const store::Error& error) {
  switch (error.kind) {
    case store::ErrorKind::NotFound: return {404, "not_found", error.message};
    case store::ErrorKind::Conflict: return {409, "conflict", error.message};
    case store::ErrorKind::Invalid: return {400, "invalid", error.message};
    case store::ErrorKind::Unavailable: return {503, "unavailable", error.message};
    case store::ErrorKind::Internal: break;
  }
  std::fprintf(stderr, "api: store error: %s\n", error.message.c_str());
  return {500, "internal", "the server failed to handle the request"};
}

http::Handler guarded(http::Handler handler) {
  return [handler = std::move(handler)](http::Request& request) {
    try {
      return handler(request);
    } catch (const ApiError& error) {
      return error.response();
    }
  };
}

}  // namespace api
