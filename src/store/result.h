// Errors are values: every store operation returns a Result<T> (a T or an
// Error) or a Status (Result<void>). The error kinds are the ones the HTTP
// API maps to statuses: not_found 404, conflict 409, invalid 400,
// unavailable 503, internal 500.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace store {

enum class ErrorKind { NotFound, Conflict, Invalid, Unavailable, Internal };

std::string_view to_string(ErrorKind kind);  // "not_found", "conflict", ...

struct Error {
  ErrorKind kind;
  std::string message;
};

inline Error not_found(std::string message) { return {ErrorKind::NotFound, std::move(message)}; }
inline Error conflict(std::string message) { return {ErrorKind::Conflict, std::move(message)}; }
inline Error invalid(std::string message) { return {ErrorKind::Invalid, std::move(message)}; }
inline Error unavailable(std::string message) { return {ErrorKind::Unavailable, std::move(message)}; }
inline Error internal(std::string message) { return {ErrorKind::Internal, std::move(message)}; }

template <class T>
using Result = core::Result<T, Error>;

using Status = Result<void>;

}  // namespace store
