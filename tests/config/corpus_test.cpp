// The realistic configurations of the HCL corpus (13–24) must lint clean,
// except where they use what the configuration language deliberately lacks.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_repo.h"
#include "test_paths.h"

namespace config {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path corpus() {
  return testpaths::shared_dir() / "hcl-corpus" / "ci";
}

std::string lint(const std::string& name, bool& ok) {
  std::string errors;
  ok = testing::load_files({{name, read(corpus() / name)}}, errors).has_value();
  return errors;
}

class Corpus : public ::testing::TestWithParam<const char*> {};

TEST_P(Corpus, LintsClean) {
  bool ok = false;
  std::string errors = lint(GetParam(), ok);
  EXPECT_TRUE(ok) << errors;
  EXPECT_TRUE(errors.empty()) << errors;
}

INSTANTIATE_TEST_SUITE_P(Realistic, Corpus,
                         ::testing::Values("13-cmake-monorepo.hcl", "14-release-tags.hcl", "15-pr-checks.hcl",
                                           "16-nightly-matrix.hcl", "17-docs-site.hcl", "18-python-service.hcl",
                                           "19-node-frontend.hcl", "20-go-microservices.hcl",
                                           "21-embedded-firmware.hcl", "22-db-migrations.hcl",
                                           "23-hotfix-backport.hcl"));

// The kitchen-sink file has `stage "empty" {}`: a stage without executions
// is an error here, since it can only be a mistake; everything else in it
// is valid.
TEST(CorpusKitchenSink, OnlyTheEmptyStageIsReported) {
  bool ok = true;
  std::string errors = lint("24-kitchen-sink.hcl", ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(errors.find("24-kitchen-sink.hcl:57:9: error: Stage \"empty\" has no executions"), std::string::npos)
      << errors;
  size_t count = 0;
  for (size_t at = errors.find("error:"); at != std::string::npos; at = errors.find("error:", at + 1)) ++count;
  EXPECT_EQ(count, 1u) << errors;
}

}  // namespace
}  // namespace config
