// The status of a workflow, pipeline, stage or execution, and the state
// machine they all follow:
//   queued → running → success | failure | cancelled | error
//   queued → skipped | cancelled | error
// A workflow of a pull request from a fork may first wait for a person's
// approval (docs/people.md); no agent claims it meanwhile. A pipeline of an
// environment with required approvers waits at its gate the same way
// (docs/configuration.md#environments):
//   queued → waiting_for_approval → queued | cancelled
// Stages and executions never wait for approval.
// A final status never changes again.
#pragma once

#include <optional>
#include <string_view>

namespace core {

enum class Status { Queued, Running, Success, Failure, Cancelled, Error, Skipped, WaitingForApproval };

std::string_view to_string(Status s);  // "queued", "running", ...
std::optional<Status> parse_status(std::string_view text);
bool is_final(Status s);
bool can_transition(Status from, Status to);

}  // namespace core
