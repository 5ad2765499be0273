#include "config/messages.h"

#include <algorithm>

#include "hcl/functions.h"

namespace config {

std::string place(const Origin& origin) {
  if (!origin.file) return "an unknown place";
  hcl::Pos pos = origin.file->position(origin.span.begin);
  return origin.file->name() + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
  // A third of the name's length (at least 2) tells typos from other words.
  size_t best_distance = std::max<size_t>(2, name.size() / 3) + 1;
  std::string best;
  for (const auto& candidate : candidates) {
    size_t distance = hcl::edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string suggestion = closest(name, candidates);
  return suggestion.empty() ? "" : " Did you mean \"" + suggestion + "\"?";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

std::string describe(const hcl::Value& v) {
  if (v.type() == hcl::Type::String) return "the string \"" + v.as_string() + "\"";
  if (v.type() == hcl::Type::Number) return "the number " + v.as_number().to_string();
  if (v.type() == hcl::Type::Bool) return v.as_bool() ? "true" : "false";
  return "a value of type " + std::string(hcl::type_name(v.type()));
}

void report(hcl::Diagnostics& diags, const Origin& origin, std::string summary, std::string detail) {
  diags.error(origin.file, origin.span, std::move(summary), std::move(detail));
}

}  // namespace config
