#include "blobs/select.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;

class SelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"dist/app.js", "dist/sub/deep/b.js", "reports/unit.xml", "reports/sub/e2e.xml",
                             "reports/notes.txt", "src/main.c"}) {
      fs::create_directories((dir.path() / name).parent_path());
      std::ofstream(dir.path() / name) << name;
    }
    fs::create_symlink("dist/app.js", dir.path() / "app-link.js");
    fs::create_directory_symlink("/usr", dir.path() / "dist/usr");  // not followed
  }
  testpaths::TempDir dir{"blobs-select"};
};

TEST_F(SelectTest, DoubleStarCrossesDirectoriesAndStarDoesNot) {
  auto selected = blobs::select_files(dir.path(), {"dist/**", "reports/*.xml"});
  ASSERT_TRUE(selected) << selected.error().message;
  EXPECT_EQ(selected.value(),
            (std::vector<std::string>{"dist/app.js", "dist/sub/deep/b.js", "dist/usr", "reports/unit.xml"}));
}

TEST_F(SelectTest, ExclusionsAndSymlinks) {
  auto selected = blobs::select_files(dir.path(), {"**/*.js", "!dist/sub/**"});
  ASSERT_TRUE(selected) << selected.error().message;
  EXPECT_EQ(selected.value(), (std::vector<std::string>{"app-link.js", "dist/app.js"}));
}

TEST_F(SelectTest, BadPatternIsInvalid) {
  auto selected = blobs::select_files(dir.path(), {"reports/[a.xml"});
  ASSERT_FALSE(selected);
  EXPECT_EQ(selected.error().kind, blobs::ErrorKind::Invalid);
  EXPECT_NE(selected.error().message.find("artifact pattern"), std::string::npos);
}

}  // namespace
