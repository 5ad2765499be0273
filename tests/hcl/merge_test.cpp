// Reading files and directories, and merging several files into one
// configuration.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hcl/parser.h"

namespace hcl {
namespace {

namespace fs = std::filesystem;

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hcl_merge_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  fs::path dir_;
};

TEST_F(MergeTest, ReadsOnlyHclFilesInNameOrder) {
  write("b.hcl", "b = 2\n");
  write("a.hcl", "a = 1\n");
  write("notes.txt", "not = hcl {{{\n");
  fs::create_directories(dir_ / "sub.hcl");
  Diagnostics d;
  FileSet set = parse_directory(dir_, d);
  EXPECT_TRUE(d.empty()) << render(d);
  ASSERT_EQ(set.files.size(), 2u);
  EXPECT_NE(set.files[0].body->attribute(*set.files[0].source, "a"), nullptr);
  EXPECT_NE(set.files[1].body->attribute(*set.files[1].source, "b"), nullptr);
}

TEST_F(MergeTest, TopLevelAttributeInTwoFilesNamesBothPlaces) {
  write("a.hcl", "shared = 1\nonly_a = 1\n");
  write("b.hcl", "\n\nshared = 2\nblk {\n  only_a = 3\n}\n");
  Diagnostics d;
  parse_directory(dir_, d);
  ASSERT_EQ(d.size(), 1u) << render(d);
  EXPECT_EQ(d[0].summary, "Attribute redefined");
  EXPECT_EQ(d[0].subject.file->name(), (dir_ / "b.hcl").string());
  EXPECT_EQ(d[0].subject.start.line, 3u);
  EXPECT_NE(d[0].detail.find((dir_ / "a.hcl").string() + ":1:1"), std::string::npos) << d[0].detail;
  EXPECT_EQ(d[0].context.file->name(), (dir_ / "a.hcl").string());
}

TEST_F(MergeTest, BlocksMayRepeatAcrossFiles) {
  write("a.hcl", "pipeline \"x\" {}\n");
  write("b.hcl", "pipeline \"x\" {}\n");
  Diagnostics d;
  parse_directory(dir_, d);
  EXPECT_TRUE(d.empty());
}

TEST_F(MergeTest, ErrorsInEachFileAreAllReported) {
  write("a.hcl", "a = [\n");
  write("b.hcl", "b = )\n");
  Diagnostics d;
  parse_directory(dir_, d);
  ASSERT_EQ(d.size(), 2u) << render(d);
  EXPECT_NE(d[0].subject.file->name(), d[1].subject.file->name());
}

TEST_F(MergeTest, UnreadableFileOrDirectoryIsADiagnostic) {
  Diagnostics d;
  File f = parse_file(dir_ / "missing.hcl", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].summary, "Cannot read configuration file");
  EXPECT_NE(f.body, nullptr);
  Diagnostics d2;
  parse_directory(dir_ / "nope", d2);
  EXPECT_TRUE(d2.has_errors());
}

}  // namespace
}  // namespace hcl
