// The agent's checkout against a real repository served over file://: one
// fetch, `.factory/` alone first, then the rest of the commit.
#include "git/checkout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "temp_dir.h"

namespace git {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

void run(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

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

}  // namespace
}  // namespace git
