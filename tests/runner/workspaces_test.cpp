// Executions' workspaces (docs/runner.md#workspaces): copies of the commit of
// their own, what a stage hands on to the next, a pipeline's shared one, and
// the copies themselves (runner/workspace_tree.h).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "runner/workspace_tree.h"
#include "runner_test_support.h"

namespace runner::testing {
namespace {

namespace fs = std::filesystem;

void write(const TempDir& dir, const std::string& relative, const std::string& text) {
  fs::create_directories((dir.path() / relative).parent_path());
  std::ofstream(dir.path() / relative) << text;
}

// Names below `dir`, sorted, "a/b" for nested ones.
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    names.push_back(entry.path().lexically_relative(dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

class Workspaces : public ::testing::Test {
 protected:
  Workspaces() {
    write(checkout, "README", "the commit\n");
    write(checkout, "gone.txt", "to be removed\n");
    options = options_in(checkout);
    options.workspaces = copies.path().string();
  }

  // The run's output of execution `id`, one line each.
  std::vector<std::string> output_of(ExecutionId id) const {
    std::vector<std::string> texts;
    for (const auto& line : observer.lines)
      if (line.execution == id) texts.push_back(line.text);
    return texts;
  }

  void expect_checkout_untouched_and_copies_gone() {
    EXPECT_EQ(tree(checkout.path()), (std::vector<std::string>{"README", "gone.txt"}));
    EXPECT_EQ(checkout.read("README"), "the commit\n");
    EXPECT_TRUE(tree(copies.path()).empty()) << "left: " << ::testing::PrintToString(tree(copies.path()));
  }

  TempDir checkout, copies;
  Options options;
  RecordingObserver observer;
};

// "I wrote b, I read a" no more: two executions at once (each waits, outside
// its workspace, until the other wrote its file), each sees only its own.
TEST_F(Workspaces, ParallelExecutionsDoNotSeeEachOthersFiles) {
  TempDir meeting;
  const std::string script =
      "echo $NAME > mine-$NAME.txt; touch \"$MEET/$NAME\"; "
      "for i in $(seq 200); do test -e \"$MEET/$OTHER\" && break; sleep 0.05; done; ls mine-*.txt; cat README";
  core::ExecutionSpec a = exec("a", script), b = exec("b", script);
  a.env = {{"NAME", "a"}, {"OTHER", "b"}, {"MEET", meeting.path().string()}};
  b.env = {{"NAME", "b"}, {"OTHER", "a"}, {"MEET", meeting.path().string()}};
  const core::Plan plan{{pipeline("p", {stage("s", {a, b})})}, {}};
  ASSERT_EQ(run(plan, options, observer).status, core::Status::Success);
  EXPECT_EQ(output_of({0, 0, 0}), (std::vector<std::string>{"mine-a.txt", "the commit"}));
  EXPECT_EQ(output_of({0, 0, 1}), (std::vector<std::string>{"mine-b.txt", "the commit"}));
  expect_checkout_untouched_and_copies_gone();
}

TEST_F(Workspaces, AStageHandsOnWhatItsExecutionsChanged) {
  const core::Plan plan{
      {pipeline("p", {stage("make", {exec("a", "echo made by a > a.txt; echo more >> README; mkdir -p out/x"),
                                     exec("b", "mkdir out; echo b > out/b.txt; rm gone.txt; ln -s README link")}),
                      stage("use", {exec("check", "cat a.txt README out/b.txt; readlink link; ls; ls out")})})},
      {}};
  ASSERT_EQ(run(plan, options, observer).status, core::Status::Success) << ::testing::PrintToString(observer.events);
  EXPECT_EQ(output_of({0, 1, 0}), (std::vector<std::string>{"made by a", "the commit", "more", "b", "README", "README",
                                                             "a.txt", "link", "out", "b.txt", "x"}));
  expect_checkout_untouched_and_copies_gone();
}

// In the stage's order, whichever finished first.
TEST_F(Workspaces, TheLaterExecutionWinsWhereTwoChangedOnePath) {
  const core::Plan plan{{pipeline("p", {stage("make", {exec("first", "sleep 0.3; echo first > same.txt"),
                                                       exec("second", "echo second > same.txt")}),
                                        stage("use", {exec("check", "cat same.txt")})})},
                        {}};
  ASSERT_EQ(run(plan, options, observer).status, core::Status::Success);
  EXPECT_EQ(output_of({0, 1, 0}), (std::vector<std::string>{"second"}));
}

// One execution turns a folder into a link out of the workspace, another
// writes and removes below the folder: what is handed on stays inside.
TEST_F(Workspaces, HandingOnNeverFollowsALinkOutOfTheWorkspace) {
  TempDir outside;
  write(outside, "keep", "not theirs to remove\n");
  write(checkout, "sub/keep", "in the commit\n");
  core::ExecutionSpec link = exec("link", "rm -r sub && ln -s \"$OUTSIDE\" sub");
  link.env["OUTSIDE"] = outside.path().string();
  const core::Plan plan{{pipeline("p", {stage("s", {link, exec("write", "echo pwned > sub/x; rm sub/keep")}),
                                        stage("after", {exec("ls", "ls -F; ls sub")})})},
                        {}};
  ASSERT_EQ(run(plan, options, observer).status, core::Status::Success) << ::testing::PrintToString(observer.events);
  EXPECT_EQ(tree(outside.path()), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(output_of({0, 1, 0}), (std::vector<std::string>{"README", "gone.txt", "sub/", "x"}));
}

// The old behaviour, asked for: one workspace for the pipeline instance, its
// executions see each other's files as they write them; other pipelines do not.
TEST_F(Workspaces, ASharedWorkspaceIsOneForItsPipeline) {
  const std::string wait_for = "for i in $(seq 100); do test -e $OTHER && exit 0; sleep 0.05; done; exit 1";
  core::ExecutionSpec a = exec("a", "touch a.txt; " + wait_for), b = exec("b", "touch b.txt; " + wait_for);
  a.env["OTHER"] = "b.txt";
  b.env["OTHER"] = "a.txt";
  core::PipelineSpec shared = pipeline("shared", {stage("both", {a, b}), stage("after", {exec("ls", "ls")})});
  shared.shared_workspace = true;
  core::PipelineSpec other = pipeline("other", {stage("only", {exec("ls", "ls")})});
  other.depends_on = {"shared"};
  ASSERT_EQ(run(core::Plan{{shared, other}, {}}, options, observer).status, core::Status::Success)
      << ::testing::PrintToString(observer.events);
  EXPECT_EQ(output_of({0, 1, 0}), (std::vector<std::string>{"README", "a.txt", "b.txt", "gone.txt"}));
  EXPECT_EQ(output_of({1, 0, 0}), (std::vector<std::string>{"README", "gone.txt"}));
  expect_checkout_untouched_and_copies_gone();
}

TEST_F(Workspaces, EachAttemptStartsFromTheCommit) {
  core::ExecutionSpec flaky = exec("flaky", "test -e tried && exit 0; touch tried; exit 1");
  flaky.retry = 1;
  const RunResult result = run(core::Plan{{pipeline("p", {stage("s", {flaky})})}, {}}, options, observer);
  EXPECT_EQ(result.pipelines[0].stages[0].executions[0].status, core::Status::Failure);
  EXPECT_EQ(result.pipelines[0].stages[0].executions[0].attempts, 2);
  expect_checkout_untouched_and_copies_gone();
}

TEST_F(Workspaces, WithoutWorkspacesEveryExecutionRunsInTheCheckout) {
  options.workspaces.clear();
  ASSERT_EQ(run(core::Plan{{pipeline("p", {stage("s", {exec("write", "touch here.txt")})})}, {}}, options, observer)
                .status,
            core::Status::Success);
  EXPECT_TRUE(fs::exists(checkout.path() / "here.txt"));
}

TEST_F(Workspaces, AWorkspaceThatCannotBeMadeIsAnError) {
  options.workspaces = (copies.path() / "missing" / "deeper").string();
  const RunResult result = run(core::Plan{{pipeline("p", {stage("s", {exec("x", "true")})})}, {}}, options, observer);
  const ExecutionResult& execution = result.pipelines[0].stages[0].executions[0];
  EXPECT_EQ(execution.status, core::Status::Error);
  EXPECT_NE(execution.error.find("execution 'x' has no workspace: cannot create"), std::string::npos)
      << execution.error;
}

// Go's module cache is read-only; the workspace goes all the same (for an
// agent that is not root: root may write anywhere).
TEST_F(Workspaces, ReadOnlyFoldersGoToo) {
  const core::Plan plan{
      {pipeline("p", {stage("s", {exec("lock", "mkdir -p ro/sub && touch ro/sub/f && chmod -R a-w ro")})})}, {}};
  ASSERT_EQ(run(plan, options, observer).status, core::Status::Success);
  expect_checkout_untouched_and_copies_gone();
}

TEST(WorkspaceTree, CopiesFilesModesTimesAndLinksAndSharesGitObjects) {
  TempDir from, into;
  write(from, "run.sh", "#!/bin/sh\n");
  fs::permissions(from.path() / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
  write(from, "deep/er/file.txt", std::string(200'000, 'x'));
  write(from, ".git/objects/pack/pack-1.pack", "PACK");
  fs::create_symlink("/etc/passwd", from.path() / "outside");
  fs::create_symlink("deep", from.path() / "inside");
  ASSERT_EQ(mkfifo((from.path() / "fifo").c_str(), 0600), 0);
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24);
  fs::last_write_time(from.path() / "deep/er/file.txt", old);

  std::string error;
  ASSERT_TRUE(copy_tree(from.path(), into.path() / "copy", error)) << error;
  const fs::path copy = into.path() / "copy";
  EXPECT_EQ(tree(copy), (std::vector<std::string>{".git", ".git/objects", ".git/objects/pack",
                                                  ".git/objects/pack/pack-1.pack", "deep", "deep/er",
                                                  "deep/er/file.txt", "inside", "outside", "run.sh"}));
  EXPECT_NE(fs::status(copy / "run.sh").permissions() & fs::perms::owner_exec, fs::perms::none);
  EXPECT_EQ(fs::last_write_time(copy / "deep/er/file.txt"), old);
  EXPECT_EQ(fs::file_size(copy / "deep/er/file.txt"), 200'000u);
  EXPECT_EQ(fs::read_symlink(copy / "outside"), "/etc/passwd");
  EXPECT_TRUE(fs::is_symlink(copy / "inside"));
  EXPECT_TRUE(fs::equivalent(copy / ".git/objects/pack/pack-1.pack", from.path() / ".git/objects/pack/pack-1.pack"));
  EXPECT_FALSE(fs::equivalent(copy / "run.sh", from.path() / "run.sh"));

  EXPECT_FALSE(copy_tree(from.path(), copy, error)) << "the copy must be new";
  EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST(WorkspaceTree, CopiesListedPathsAndSkipsThoseGone) {
  TempDir from, into;
  write(from, "a/b/c.txt", "c\n");
  write(from, "top.txt", "top\n");
  std::string error;
  ASSERT_TRUE(copy_paths(from.path(), {"a/b/c.txt", "deleted.txt"}, into.path(), error)) << error;
  EXPECT_EQ(tree(into.path()), (std::vector<std::string>{"a", "a/b", "a/b/c.txt"}));
  EXPECT_EQ(into.read("a/b/c.txt"), "c\n");
}

}  // namespace
}  // namespace runner::testing
