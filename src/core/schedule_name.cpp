#include "core/schedule_name.h"

#include <algorithm>
#include <cctype>

namespace core {

std::string schedule_name_problem(std::string_view name) {
  auto word = [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; };
  if (!name.empty() && name.size() <= kMaxScheduleNameLength && std::isalnum(static_cast<unsigned char>(name[0])) &&
      std::all_of(name.begin(), name.end(), word))
    return {};
  return "a schedule name has 1 to " + std::to_string(kMaxScheduleNameLength) +
         " letters, digits, '-', '_' and '.', starting with a letter or a digit";
}

}  // namespace core
