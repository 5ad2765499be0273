// `factory hcl2json` as users run it: the real binary on corpus files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/shell.h"
#include "test_paths.h"

namespace {

std::string hcl2json(const std::string& corpus_file) {
  return testpaths::factory_binary().string() + " hcl2json " +
         (testpaths::shared_dir() / "hcl-corpus" / corpus_file).string();
}

TEST(Hcl2JsonCommand, ReportsABrokenFileWithItsPositionAndFails) {
  clitest::Outcome r = clitest::shell(hcl2json("broken/duplicate-attr.hcl") + " 2>&1 >/dev/null");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("duplicate-attr.hcl:3:3: error: Attribute redefined"), std::string::npos) << r.output;
}

TEST(Hcl2JsonCommand, PrintsTheFileAsJson) {
  clitest::Outcome r = clitest::shell(hcl2json("ci/01-minimal.hcl"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto printed = nlohmann::json::parse(r.output);
  EXPECT_TRUE(printed.contains("pipeline")) << r.output;
}

}  // namespace
