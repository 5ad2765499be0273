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

// Lints a repository whose .factory/ci.hcl holds `text`.
Outcome lint_text(const std::string& text) {
  testing::TempRepo repo(testing::Files{{"ci.hcl", text}});
  return lint(repo.root().string());
}

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

// hashfiles() reads no file at lint: the lock file it names need not exist.
TEST(LintCommand, CachesAndArtifactsLintWithoutTheFilesHashfilesReads) {
  const Outcome r = lint_text(R"(pipeline "web" {
  cache "npm" {
    key          = "npm-${hashfiles("package-lock.json")}"
    paths        = ["~/.npm", "node_modules"]
    restore_keys = ["npm-"]
  }
  stage "build" {
    exec "bundle" {
      run       = "npm ci && npm run build"
      artifacts = ["dist/**"]
    }
  }
  stage "deploy" {
    exec "upload" {
      run             = "./deploy.sh dist/"
      needs_artifacts = ["bundle"]
    }
  }
}
)");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 1 pipeline, 2 stages, 2 executions in 1 file\n");
}

TEST(LintCommand, CacheAndArtifactErrorsAreReportedAtTheirPlaces) {
  const Outcome r = lint_text(R"(pipeline "web" {
  cache "npm" {
    key   = "npm-${hashfiles("../package-lock.json")}"
    paths = ["/root/.npm"]
  }
  stage "build" {
    exec "bundle" {
      run            = "make"
      artifacts_when = "allways"
      artifacts      = ["dist/**"]
    }
  }
  stage "deploy" {
    exec "upload" {
      run             = "true"
      needs_artifacts = ["bundel"]
    }
  }
}
)");
  EXPECT_EQ(r.exit_code, 1);
  for (const char* expected :
       {"ci.hcl:3:30: error: Invalid function argument", "The pattern \"../package-lock.json\" has a \"..\" component",
        "ci.hcl:4:14: error: Cache path \"/root/.npm\" is absolute",
        "ci.hcl:9:24: error: Unknown artifacts_when \"allways\"",
        "ci.hcl:16:26: error: needs_artifacts: no execution \"bundel\" in pipeline \"web\"",
        "Did you mean \"bundle\"?"})
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
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
