// HTTP header fields: an ordered list of name/value pairs whose names compare
// case-insensitively, as RFC 9110 says they must.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

bool iequals(std::string_view a, std::string_view b);

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Replaces every value of `name` with `value`.
  void set(std::string_view name, std::string_view value);
  // Adds a value, keeping those already there (Set-Cookie, Vary...).
  void add(std::string_view name, std::string_view value);

  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::vector<Field> fields_;
};

}  // namespace http
