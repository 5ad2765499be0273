// Errors are values: every blobs operation returns a Result<T> (a T or an
// Error), or a Status (Result<void>). The kind says what a caller does next:
// NotFound and Corrupt are cache misses (remove a corrupt blob), Refused is
// hostile or over-limit input (nothing to retry), Conflict is an upload
// offset that does not match what the store holds (ask it again), Invalid is
// a caller's mistake, Io is the disk or the network (retry later).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace blobs {

enum class ErrorKind { NotFound, Corrupt, Refused, Conflict, Invalid, Io };

std::string_view to_string(ErrorKind kind);  // "not_found", "corrupt", ...

struct Error {
  ErrorKind kind;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace blobs
