// Errors are values: every store operation returns a Result<T> (a T or an
// Error) or a Status (Result<void>). The error kinds are the ones the HTTP
// API maps to statuses: not_found 404, conflict 409, invalid 400,
// unavailable 503, internal 500.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

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
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace store
