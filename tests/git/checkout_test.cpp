// The agent's checkout against a real repository served over file://: one
// fetch, `.factory/` alone first, then the rest of the commit; and the paths
// a pull request changes, from the merge base.
#include "git/checkout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include "source_files.h"
#include "temp_dir.h"

namespace git {
namespace {

namespace fs = std::filesystem;

using testing::run;
using testing::write;

class CheckoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path source = dir_.path() / "source";
    write(source / ".factory" / "ci.hcl", "pipeline \"build\" {}\n");
    write(source / "src" / "main.c", "int main() { return 0; }\n");
    write(source / "README.md", "hello\n");
    run("git -C " + source.string() + " init -q -b main && git -C " + source.string() + " add -A && git -C " +
        source.string() + " -c user.email=ci@example.com -c user.name=ci commit -qm first");
    url_ = "file://" + source.string();
  }

  std::vector<std::string> files_in(const fs::path& workspace) const {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(workspace); it != fs::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) files.push_back(fs::relative(it->path(), workspace).string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  testpaths::TempDir dir_{"factory-checkout"};
  std::string url_;
  runner::CancelHandle cancel_;
};

TEST_F(CheckoutTest, TheConfigurationComesFirstAndTheRestAfter) {
  Checkout checkout{dir_.path() / "workspace", cancel_};
  std::string error;
  ASSERT_TRUE(checkout.fetch(url_, "", "main", error)) << error;
  EXPECT_EQ(checkout.sha().size(), 40u);

  ASSERT_TRUE(checkout.check_out_config(error)) << error;
  EXPECT_EQ(files_in(checkout.dir()), (std::vector<std::string>{".factory/ci.hcl"}));

  ASSERT_TRUE(checkout.check_out_all(error)) << error;
  EXPECT_EQ(files_in(checkout.dir()), (std::vector<std::string>{".factory/ci.hcl", "README.md", "src/main.c"}));
  // The workspace is an ordinary clone for the pipeline's own git commands.
  run("git -C " + checkout.dir().string() + " remote get-url origin >/dev/null");
  run("test \"$(git -C " + checkout.dir().string() + " rev-parse HEAD)\" = " + checkout.sha());
}

TEST_F(CheckoutTest, AnUnknownCommitFailsWithWhatGitSaid) {
  Checkout checkout{dir_.path() / "workspace", cancel_};
  std::string error;
  EXPECT_FALSE(checkout.fetch(url_, std::string(40, 'a'), "", error));
  EXPECT_NE(error.find("git fetch of " + std::string(40, 'a')), std::string::npos) << error;
}

// A branch `commits` commits ahead of main's first commit, made at once
// with git fast-import: commit i writes branch/<i>.txt.
void make_branch(const fs::path& repository, const std::string& branch, int commits) {
  const fs::path stream = repository.parent_path() / (branch + ".fast-import");
  {
    std::ofstream out(stream);
    for (int i = 1; i <= commits; ++i) {
      const std::string content = std::to_string(i) + "\n";
      out << "commit refs/heads/" << branch << "\ncommitter ci <ci@example.com> " << 1'700'000'000 + i
          << " +0000\ndata 1\nx\n"
          << (i == 1 ? "from refs/heads/main^0\n" : "") << "M 644 inline " << branch << "/" << i << ".txt\ndata "
          << content.size() << "\n" << content << "\n";
    }
  }
  run("git -C " + repository.string() + " fast-import --quiet < " + stream.string());
}

class PullRequestChanges : public CheckoutTest {
 protected:
  void SetUp() override {
    CheckoutTest::SetUp();
    source_ = dir_.path() / "source";
    git_ = "git -C " + source_.string() + " -c user.email=ci@example.com -c user.name=ci ";
  }

  // The changes of a pull request from `branch` into `target`.
  std::optional<std::vector<std::string>> changes(const std::string& branch, const std::string& target,
                                                  std::string& error) {
    Checkout checkout{dir_.path() / ("workspace-" + std::to_string(++checkouts_)), cancel_};
    if (!checkout.fetch(url_, "", branch, error)) return std::nullopt;
    auto paths = checkout.pull_request_changes(target, error);
    if (paths) std::sort(paths->begin(), paths->end());
    return paths;
  }

  fs::path source_;
  std::string git_;
  int checkouts_ = 0;
};

// 40 commits: the first step deeper (32) is not enough. main moved on after
// the branch: its later change is not the pull request's.
TEST_F(PullRequestChanges, ArePathsChangedSinceTheMergeBaseWithBothSidesOfARename) {
  make_branch(source_, "feature", 40);
  run(git_ + "checkout -q feature && " + git_ + "mv README.md docs.md && " + git_ + "commit -qm rename");
  run(git_ + "checkout -q main && echo newer > " + (source_ / "src" / "later.c").string() + " && " + git_ +
      "add -A && " + git_ + "commit -qm later");
  std::string error;
  auto paths = changes("feature", "main", error);
  ASSERT_TRUE(paths) << error;
  std::vector<std::string> expected{"README.md", "docs.md"};
  for (int i = 1; i <= 40; ++i) expected.push_back("feature/" + std::to_string(i) + ".txt");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*paths, expected);
}

TEST_F(PullRequestChanges, HistoriesWithNothingInCommonHaveNone) {
  run(git_ + "checkout -q --orphan unrelated && " + git_ + "commit -qm alone");
  std::string error;
  EXPECT_FALSE(changes("unrelated", "main", error));
  EXPECT_NE(error.find("have no common history"), std::string::npos) << error;
}

TEST_F(PullRequestChanges, AMergeBaseDeeperThanTheBoundIsNotLookedFor) {
  make_branch(source_, "long", kMergeBaseDepth + 10);
  std::string error;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(changes("long", "main", error));
  EXPECT_NE(error.find("no merge base of the commit and the target branch's head"), std::string::npos) << error;
  EXPECT_NE(error.find("within 1000 commits"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(120)) << "a bounded search";
}

TEST_F(PullRequestChanges, AnUnknownTargetBranchFailsWithWhatGitSaid) {
  std::string error;
  EXPECT_FALSE(changes("main", "nowhere", error));
  EXPECT_NE(error.find("git fetch of refs/heads/nowhere failed"), std::string::npos) << error;
  EXPECT_FALSE(changes("main", "-upload-pack=evil", error));
  EXPECT_NE(error.find("the target branch is not a branch name"), std::string::npos) << error;
}

}  // namespace
}  // namespace git
