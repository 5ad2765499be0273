// The server's reading of `.factory/` at a branch's head, against real
// repositories served over file:// and a git server that never answers.
#include "git/branch_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "source_files.h"
#include "temp_dir.h"

namespace git {
namespace {

namespace fs = std::filesystem;

using testing::run;
using testing::write;

class BranchConfigTest : public ::testing::Test {
 protected:
  // Commits `text` as .factory/ci.hcl on `branch` of the source repository.
  void commit(const std::string& branch, const std::string& text) {
    write(source_ / ".factory" / "ci.hcl", text);
    const std::string git = "git -C " + source_.string();
    run(git + " checkout -q -B " + branch + " && " + git + " add -A && " + git +
        " -c user.email=ci@example.com -c user.name=ci commit -qm change");
  }

  BranchConfig read(const std::string& branch) {
    return read_branch_config({"file://" + source_.string(), branch, ""}, scratch_);
  }

  void SetUp() override { run("git init -q -b main " + source_.string()); }

  testpaths::TempDir dir_{"factory-branch-config"};
  fs::path source_ = dir_.path() / "source";
  fs::path scratch_ = dir_.path() / "scratch";
};

TEST_F(BranchConfigTest, ReadsTheHeadOfTheBranchAndLeavesNothingBehind) {
  commit("main", "pipeline \"build\" {\n  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n");
  commit("release", "pipeline \"deploy\" {\n  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n");

  const BranchConfig main = read("main");
  ASSERT_EQ(main.outcome, BranchConfig::Outcome::Read) << main.problem;
  ASSERT_EQ(main.configuration->pipelines.size(), 1u);
  EXPECT_EQ(main.configuration->pipelines[0].name, "build");
  EXPECT_EQ(main.sha.size(), 40u);

  const BranchConfig release = read("release");
  ASSERT_EQ(release.outcome, BranchConfig::Outcome::Read) << release.problem;
  EXPECT_EQ(release.configuration->pipelines[0].name, "deploy");
  EXPECT_NE(release.sha, main.sha);
  EXPECT_TRUE(fs::is_empty(scratch_));
}

TEST_F(BranchConfigTest, ErrorsNameTheFileAsTheRepositoryKnowsIt) {
  commit("main", "pipeline \"build\" {\n  colour = \"red\"\n}\n");
  const BranchConfig result = read("main");
  EXPECT_EQ(result.outcome, BranchConfig::Outcome::Invalid);
  EXPECT_FALSE(result.configuration);
  EXPECT_NE(result.problem.find(".factory/ci.hcl:2"), std::string::npos) << result.problem;
  EXPECT_EQ(result.problem.find(scratch_.string()), std::string::npos) << result.problem;
}

TEST_F(BranchConfigTest, AnUnknownBranchIsUnreachableWithWhatGitSaid) {
  commit("main", "pipeline \"build\" {}\n");
  const BranchConfig result = read("no-such-branch");
  EXPECT_EQ(result.outcome, BranchConfig::Outcome::Unreachable);
  EXPECT_NE(result.problem.find("no-such-branch"), std::string::npos) << result.problem;
  EXPECT_TRUE(result.sha.empty());
}

// A server that accepts the connection and never answers holds the read no
// longer than its timeout.
TEST_F(BranchConfigTest, ASilentServerEndsTheReadAtItsTimeout) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/repo.git";

  const auto started = std::chrono::steady_clock::now();
  const BranchConfig result = read_branch_config({url, "main", ""}, scratch_, std::chrono::milliseconds{500});
  const auto took = std::chrono::steady_clock::now() - started;
  close(listener);
  EXPECT_EQ(result.outcome, BranchConfig::Outcome::Unreachable);
  EXPECT_NE(result.problem.find("took longer than 500 ms"), std::string::npos) << result.problem;
  EXPECT_LT(took, std::chrono::seconds{10});
}

}  // namespace
}  // namespace git
