#include "core/status.h"

#include <gtest/gtest.h>

using core::Status;

TEST(Status, NamesRoundTrip) {
  for (Status s : {Status::Queued, Status::Running, Status::Success, Status::Failure, Status::Cancelled,
                   Status::Error, Status::Skipped}) {
    auto parsed = core::parse_status(core::to_string(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_FALSE(core::parse_status("done").has_value());
}

TEST(Status, FinalStatusesNeverChange) {
  for (Status from : {Status::Success, Status::Failure, Status::Cancelled, Status::Error, Status::Skipped})
    for (Status to : {Status::Queued, Status::Running, Status::Success, Status::Failure})
      EXPECT_FALSE(core::can_transition(from, to)) << core::to_string(from) << "→" << core::to_string(to);
}

TEST(Status, QueuedCanBeSkippedButNotSucceed) {
  EXPECT_TRUE(core::can_transition(Status::Queued, Status::Running));
  EXPECT_TRUE(core::can_transition(Status::Queued, Status::Skipped));
  EXPECT_TRUE(core::can_transition(Status::Queued, Status::Cancelled));
  EXPECT_FALSE(core::can_transition(Status::Queued, Status::Success));
  EXPECT_TRUE(core::can_transition(Status::Running, Status::Failure));
  EXPECT_FALSE(core::can_transition(Status::Running, Status::Skipped));
}

// A fork's pull request, or a pipeline at its environment's gate, waits for
// approval: then it is queued, or cancelled; nothing else, and only a queued
// one starts waiting.
TEST(Status, WaitingForApprovalBecomesQueuedOrCancelled) {
  EXPECT_EQ(core::to_string(Status::WaitingForApproval), "waiting_for_approval");
  EXPECT_EQ(core::parse_status("waiting_for_approval"), Status::WaitingForApproval);
  EXPECT_FALSE(core::is_final(Status::WaitingForApproval));
  EXPECT_TRUE(core::can_transition(Status::WaitingForApproval, Status::Queued));
  EXPECT_TRUE(core::can_transition(Status::WaitingForApproval, Status::Cancelled));
  for (Status to : {Status::WaitingForApproval, Status::Running, Status::Success, Status::Failure, Status::Error,
                    Status::Skipped})
    EXPECT_FALSE(core::can_transition(Status::WaitingForApproval, to)) << core::to_string(to);
  EXPECT_TRUE(core::can_transition(Status::Queued, Status::WaitingForApproval));
  for (Status from : {Status::Running, Status::Success, Status::Failure, Status::Cancelled,
                      Status::Error, Status::Skipped})
    EXPECT_FALSE(core::can_transition(from, Status::WaitingForApproval)) << core::to_string(from);
}
