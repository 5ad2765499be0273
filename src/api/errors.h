// How API handlers fail: they throw ApiError with the response to send, and
// guarded() turns it into that response. Store errors map to statuses:
// not_found 404, conflict 409, invalid 400, unavailable 503, internal 500.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "http/router.h"
#include "store/result.h"

namespace api {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error{message}, status_{status}, code_{std::move(code)} {}
  http::Response response() const { return http::Response::error(status_, code_, what()); }

 private:
  int status_;
  std::string code_;
};

// The API's answer to a store error; an internal error's message goes to
// stderr, not to the client (it may name tables or queries).
ApiError to_api_error(const store::Error& error);

[[noreturn]] void fail(int status, std::string code, const std::string& message);
[[noreturn]] inline void fail(const store::Error& error) { throw to_api_error(error); }

template <class T>
T unwrap(store::Result<T> result) {
  if (!result) fail(result.error());
  return std::move(result).value();
}

inline void unwrap(const store::Status& status) {
  if (!status) fail(status.error());
}

// Wraps a handler so an ApiError becomes its response.
http::Handler guarded(http::Handler handler);

}  // namespace api
