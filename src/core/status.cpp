#include "core/status.h"

#include <array>

namespace core {

namespace {
constexpr std::array<std::string_view, 8> kNames = {"queued",    "running", "success", "failure",
                                                    "cancelled", "error",   "skipped", "waiting_for_approval"};
}

std::string_view to_string(Status s) { return kNames[static_cast<size_t>(s)]; }

std::optional<Status> parse_status(std::string_view text) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == text) return static_cast<Status>(i);
  return std::nullopt;
}

bool is_final(Status s) { return s != Status::Queued && s != Status::Running && s != Status::WaitingForApproval; }

bool can_transition(Status from, Status to) {
  switch (from) {
    case Status::WaitingForApproval:
      return to == Status::Queued || to == Status::Cancelled;
    case Status::Queued:
      return to == Status::Running || to == Status::WaitingForApproval ||
             (is_final(to) && to != Status::Success && to != Status::Failure);
    case Status::Running:
      return is_final(to) && to != Status::Skipped;
    default:
      return false;
  }
}

}  // namespace core
