// The names of schedules. A cron event carries its schedule's name, which
// reaches `${event.schedule}` in `run` scripts and the web UI: a name is
// one inert word, 1 to 64 letters, digits, '-', '_' and '.', starting with a
// letter or a digit ("nightly", "weekly-docs", "release_1.x").
//
// Thread-safety: a plain function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace core {

inline constexpr std::size_t kMaxScheduleNameLength = 64;

// Why `name` is not an acceptable schedule name, for people; empty when it is one.
std::string schedule_name_problem(std::string_view name);

}  // namespace core
