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
