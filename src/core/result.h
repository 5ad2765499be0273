// Errors as values, one shape for every component: a Result<T, E> holds a T
// or an E; Result<void, E> holds nothing or an E. Each component names its
// own error type (store::Error, blobs::Error: a kind its callers act on and a
// message for people) and aliases Result<T> over it.
//
// `return {};` or `return Ok{};` from a function giving Result<void, E>.
//
// Values only; as thread-safe as the T and E inside.
#pragma once

#include <optional>
#include <utility>
#include <variant>

namespace core {

struct Ok {};

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Ok) {}
  Result(E error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const E& error() const { return *error_; }

 private:
  std::optional<E> error_;
};

}  // namespace core
