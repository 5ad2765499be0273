#include "config/filter.h"

#include <gtest/gtest.h>

#include "events.h"

namespace config {
namespace {

using namespace testing;

GlobList globs(const std::vector<std::string>& patterns) {
  std::string error;
  auto list = GlobList::compile(patterns, error);
  EXPECT_TRUE(list) << error;
  return *list;
}

bool runs(const CompiledFilter& f, const core::Event& e) { return !filter_rejection(f, e); }

TEST(Filter, EmptyFilterRunsForEverything) {
  CompiledFilter f;
  EXPECT_TRUE(runs(f, push("main")));
  EXPECT_TRUE(runs(f, tag("v1")));
  EXPECT_TRUE(runs(f, pull_request("a", "b")));
}

TEST(Filter, EventsMustBeListed) {
  CompiledFilter f;
  f.events = std::vector<std::string>{"push", "pull_request"};
  EXPECT_TRUE(runs(f, push("main")));
  auto reason = filter_rejection(f, tag("v1"));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "event \"tag\" is not in events");
}

TEST(Filter, BranchesMatchThePushedBranch) {
  CompiledFilter f;
  f.branches = globs({"main", "release/*"});
  EXPECT_TRUE(runs(f, push("main")));
  EXPECT_TRUE(runs(f, push("release/2.0")));
  auto reason = filter_rejection(f, push("feature/x"));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "branch \"feature/x\" does not match branches");
}

TEST(Filter, PullRequestsMatchTheTargetBranch) {
  CompiledFilter f;
  f.branches = globs({"main"});
  EXPECT_TRUE(runs(f, pull_request("feature/x", "main")));
  auto reason = filter_rejection(f, pull_request("main", "feature/x"));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "target branch \"feature/x\" does not match branches");
}

TEST(Filter, BranchExclusions) {
  CompiledFilter f;
  f.branches = globs({"feature/**", "!feature/wip-*"});
  EXPECT_TRUE(runs(f, push("feature/login")));
  EXPECT_FALSE(runs(f, push("feature/wip-login")));
  EXPECT_FALSE(runs(f, pull_request("x", "feature/wip-login")));
}

TEST(Filter, TagsMatchTagEventsWithExclusions) {
  CompiledFilter f;
  f.events = std::vector<std::string>{"tag"};
  f.tags = globs({"v*", "!v*-rc*"});
  EXPECT_TRUE(runs(f, tag("v1.2.0")));
  auto reason = filter_rejection(f, tag("v1.3.0-rc1"));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "tag \"v1.3.0-rc1\" does not match tags");
}

TEST(Filter, OnlyBranchesGivenRejectsTags) {
  CompiledFilter f;
  f.branches = globs({"**"});
  EXPECT_FALSE(runs(f, tag("v1")));
}

TEST(Filter, OnlyTagsGivenRejectsBranchEvents) {
  CompiledFilter f;
  f.tags = globs({"v*"});
  EXPECT_FALSE(runs(f, push("main")));
  EXPECT_TRUE(runs(f, tag("v1")));
}

TEST(Filter, BothRefKindsEachApplyToTheirOwnEvents) {
  CompiledFilter f;
  f.branches = globs({"main"});
  f.tags = globs({"v*"});
  EXPECT_TRUE(runs(f, push("main")));
  EXPECT_TRUE(runs(f, tag("v2")));
  EXPECT_FALSE(runs(f, tag("x2")));
  EXPECT_FALSE(runs(f, push("dev")));
}

TEST(Filter, PathsNeedOneMatchingChangedPath) {
  CompiledFilter f;
  f.paths = globs({"src/**", "!src/**/*.md"});
  EXPECT_TRUE(runs(f, push("main", {"src/a.txt"})));
  EXPECT_TRUE(runs(f, push("main", {"src/README.md", "src/a.txt"})));
  auto reason = filter_rejection(f, push("main", {"src/README.md", "docs/x"}));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "no changed path matches paths");
}

TEST(Filter, UnknownChangedPathsPass) {
  CompiledFilter f;
  f.paths = globs({"src/**"});
  EXPECT_TRUE(runs(f, push("main")));
}

TEST(Filter, EveryConditionMustHold) {
  CompiledFilter f;
  f.events = std::vector<std::string>{"push"};
  f.branches = globs({"main"});
  f.paths = globs({"src/**"});
  EXPECT_TRUE(runs(f, push("main", {"src/x"})));
  EXPECT_FALSE(runs(f, push("dev", {"src/x"})));
  EXPECT_FALSE(runs(f, push("main", {"doc/x"})));
  EXPECT_FALSE(runs(f, pull_request("x", "main")));
}

}  // namespace
}  // namespace config
