// `factory lint` as users run it: the real binary on real directories.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "cli/shell.h"
#include "config/temp_repo.h"
#include "test_paths.h"

namespace config {
namespace {

using clitest::Outcome;

Outcome run(const std::string& command) { return clitest::shell(command + " 2>&1"); }
Outcome lint(const std::string& args) { return run(testpaths::factory_binary().string() + " lint " + args); }

std::string shared(const std::string& path) { return (testpaths::shared_dir() / path).string(); }

TEST(LintCommand, ValidDirectoryPrintsASummary) {
  Outcome r = lint(shared("examples/multi-file"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 3 pipelines, 3 stages, 3 executions in 4 files\n");
}

TEST(LintCommand, SingularCounts) {
  Outcome r = lint(shared("examples/hello"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 1 pipeline, 2 stages, 3 executions in 1 file\n");
}

TEST(LintCommand, InvalidDirectoryPrintsDiagnosticsAndFails) {
  testing::TempRepo repo(testing::Files{{"ci.hcl", "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"x\"\n"
                                     "      retry = \"two\"\n    }\n  }\n}\n"}});
  Outcome r = lint(repo.root().string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("ci.hcl:5:15: error: retry must be a whole number from 0 to 100"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" 5 |       retry = \"two\"\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("^~~~~"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\033["), std::string::npos) << "no colours when not on a terminal";
  EXPECT_EQ(r.output.find("ok:"), std::string::npos);
}

// On a terminal (here a pseudo-terminal from script(1)) errors are coloured.
TEST(LintCommand, ColoursOnATerminal) {
  testing::TempRepo repo(testing::Files{{"ci.hcl", "pipeline \"p\" {\n  stag \"s\" {}\n}\n"}});
  std::string output =
      run("script -qec \"" + testpaths::factory_binary().string() + " lint " + repo.root().string() + "\" /dev/null").output;
  EXPECT_NE(output.find("\033[1;31merror: "), std::string::npos) << output;
  EXPECT_NE(output.find("Unknown block \"stag\""), std::string::npos) << output;
}

TEST(LintCommand, MissingFactoryDirectoryIsAClearError) {
  testing::TempRepo repo(testing::Files{});
  std::filesystem::remove_all(repo.root() / ".factory");
  Outcome r = lint(repo.root().string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("error: No .factory directory in " + repo.root().string()), std::string::npos) << r.output;
}

TEST(LintCommand, DefaultsToTheCurrentDirectory) {
  testing::TempRepo repo(testing::Files{{"ci.hcl", "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = \"x\" }\n  }\n}\n"}});
  Outcome r = run("cd '" + repo.root().string() + "' && " + testpaths::factory_binary().string() + " lint");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 1 pipeline, 1 stage, 1 execution in 1 file\n");
}

}  // namespace
}  // namespace config
