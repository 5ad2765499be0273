#include "http/headers.h"

#include <algorithm>

namespace http {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (iequals(field, name)) return std::string_view{value};
  }
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string_view value) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(std::string{name}, std::string{value});
}

}  // namespace http
