// Errors are values: every blobs operation returns a Result<T> (a T or an
// Error), or a Status (Result<void>; core/result.h). The kind says what a caller does next:
// NotFound and Corrupt are cache misses (remove a corrupt blob), Refused is
// hostile or over-limit input (nothing to retry), Conflict is an upload
// offset that does not match what the store holds (ask it again), Invalid is
// a caller's mistake, Io is the disk or the network (retry later).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace blobs {

enum class ErrorKind { NotFound, Corrupt, Refused, Conflict, Invalid, Io };

std::string_view to_string(ErrorKind kind);  // "not_found", "corrupt", ...

struct Error {
  ErrorKind kind;
  std::string message;
};

template <class T>
using Result = core::Result<T, Error>;

using core::Ok;
using Status = Result<void>;

}  // namespace blobs
