#include "core/plan.h"

#include <algorithm>

namespace core {

namespace {

bool is_letter_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Whether `text` is 1 to `max_size` letters, digits and characters of `others`.
bool is_made_of(std::string_view text, std::size_t max_size, std::string_view others) {
  if (text.empty() || text.size() > max_size) return false;
  return std::ranges::all_of(text, [&](char c) { return is_letter_or_digit(c) || others.find(c) != others.npos; });
}

}  // namespace

bool is_plain_name(std::string_view name, std::size_t max_size) { return is_made_of(name, max_size, "._-"); }

bool is_cache_key(std::string_view key) { return is_made_of(key, kMaxCacheKey, "._-+=,:@"); }

std::string_view to_string(ArtifactsWhen when) {
  switch (when) {
    case ArtifactsWhen::Success: return "success";
    case ArtifactsWhen::Failure: return "failure";
    case ArtifactsWhen::Always: return "always";
  }
  return "";
}

std::optional<ArtifactsWhen> parse_artifacts_when(std::string_view text) {
  for (ArtifactsWhen when : {ArtifactsWhen::Success, ArtifactsWhen::Failure, ArtifactsWhen::Always})
    if (text == to_string(when)) return when;
  return std::nullopt;
}

}  // namespace core
