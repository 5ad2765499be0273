// hashfiles() over real temporary trees: which files, in which order, what is
// hashed (checked against coreutils' sha256sum), the bounds, and attempts to
// read outside the tree.
#include "config/hashfiles.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "events.h"
#include "temp_dir.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;
namespace fs = std::filesystem;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read(const fs::path& path) {
  std::ostringstream text;
  text << std::ifstream(path, std::ios::binary).rdbuf();
  return text.str();
}

// The hex SHA-256 of `bytes` by coreutils, not by the code under test.
std::string sha256sum(const std::string& bytes) {
  testpaths::TempDir dir("hashfiles-sum");
  write(dir.path() / "bytes", bytes);
  std::FILE* out = ::popen(("sha256sum " + (dir.path() / "bytes").string()).c_str(), "r");
  char digest[65] = {};
  EXPECT_EQ(std::fread(digest, 1, 64, out), 64u);
  ::pclose(out);
  return digest;
}

// What docs/configuration.md#hashfiles says is hashed, for these files in this order.
std::string expected(const fs::path& root, const std::vector<std::string>& files) {
  std::string listing;
  for (const auto& file : files) listing += file + std::string(1, '\0') + sha256sum(read(root / file)) + "\n";
  return sha256sum(listing);
}

std::string digest(const fs::path& root, const std::vector<std::string>& patterns, HashLimits limits = {}) {
  return FileHasher::of_tree(root, limits).digest(patterns);
}

// The message of the FunctionError the patterns cause, and the index of the
// argument it names (-1: the call).
std::pair<std::string, int> failure(const fs::path& root, const std::vector<std::string>& patterns,
                                    HashLimits limits = {}) {
  try {
    digest(root, patterns, limits);
  } catch (const hcl::FunctionError& error) {
    return {error.what(), error.arg_index()};
  }
  ADD_FAILURE() << "no error";
  return {};
}

class Hashfiles : public ::testing::Test {
 protected:
  Hashfiles() {
    write(root() / "b.txt", "bee\n");
    write(root() / "a/x.txt", "ex\n");
    write(root() / "a/y.lock", "why\n");
    write(root() / "a-b/z.txt", "zed\n");  // '-' sorts before '/': a-b/ before a/
    write(root() / ".git/HEAD.txt", "ref: refs/heads/main\n");
  }
  const fs::path& root() const { return dir_.path(); }

 private:
  testpaths::TempDir dir_{"hashfiles"};
};

TEST_F(Hashfiles, HashesEachMatchedFilesPathAndContentInByteOrderOfPaths) {
  EXPECT_EQ(digest(root(), {"**/*.txt"}), expected(root(), {"a-b/z.txt", "a/x.txt", "b.txt"}));
  EXPECT_EQ(digest(root(), {"a/*"}), expected(root(), {"a/x.txt", "a/y.lock"}));
  EXPECT_EQ(digest(root(), {"b.txt"}), expected(root(), {"b.txt"}));
  // The same files however the patterns name them.
  EXPECT_EQ(digest(root(), {"a/y.lock", "b.txt"}), digest(root(), {"b.txt", "./a/*.lock"}));
  // A path is part of what is hashed: the same content elsewhere differs.
  write(root() / "c.txt", "bee\n");
  EXPECT_NE(digest(root(), {"b.txt"}), digest(root(), {"c.txt"}));
}

TEST_F(Hashfiles, ExclusionsAndTheLastMatchDecide) {
  EXPECT_EQ(digest(root(), {"**/*.txt", "!a/**"}), expected(root(), {"a-b/z.txt", "b.txt"}));
  EXPECT_EQ(digest(root(), {"!**/*.txt"}), expected(root(), {"a/y.lock"}));
  EXPECT_EQ(digest(root(), {"**/*.txt", "!a/**", "a/x.txt"}), expected(root(), {"a-b/z.txt", "a/x.txt", "b.txt"}));
}

TEST_F(Hashfiles, NoMatchIsTheEmptyString) {
  EXPECT_EQ(digest(root(), {"package-lock.json"}), "");
  EXPECT_EQ(digest(root(), {"**/*.go"}), "");
  EXPECT_EQ(digest(root(), {"a"}), "") << "a directory is not a file";
}

TEST_F(Hashfiles, TheGitDirectoryIsNeverRead) {
  EXPECT_EQ(digest(root(), {"**"}), expected(root(), {"a-b/z.txt", "a/x.txt", "a/y.lock", "b.txt"}));
  EXPECT_EQ(digest(root(), {".git/HEAD.txt"}), "");
  EXPECT_EQ(digest(root(), {".git/**"}), "");
}

TEST_F(Hashfiles, LinksOutOfTheTreeAndToDirectoriesAreNotFollowed) {
  testpaths::TempDir outside("hashfiles-outside");
  write(outside.path() / "secret.txt", "s3cr3t\n");
  fs::create_directory_symlink(outside.path(), root() / "out");
  fs::create_symlink(outside.path() / "secret.txt", root() / "secret.txt");
  fs::create_symlink("missing.txt", root() / "dangling.txt");
  fs::create_directory_symlink("a", root() / "inside");
  fs::create_symlink("b.txt", root() / "bee.txt");
  ASSERT_EQ(::mkfifo((root() / "pipe.txt").c_str(), 0600), 0);
  // bee.txt, a link inside the tree to a file, is hashed as bee.txt with b.txt's content.
  const std::string listing =
      "a-b/z.txt" + std::string(1, '\0') + sha256sum("zed\n") + "\n" + "a/x.txt" + std::string(1, '\0') +
      sha256sum("ex\n") + "\n" + "b.txt" + std::string(1, '\0') + sha256sum("bee\n") + "\n" + "bee.txt" +
      std::string(1, '\0') + sha256sum("bee\n") + "\n";
  EXPECT_EQ(digest(root(), {"**/*.txt"}), sha256sum(listing));
  EXPECT_EQ(digest(root(), {"out/secret.txt"}), "");
  EXPECT_EQ(digest(root(), {"out/**"}), "");
  EXPECT_EQ(digest(root(), {"secret.txt", "inside/*", "pipe.txt"}), "");
}

TEST_F(Hashfiles, PatternsMayNotLeaveTheTree) {
  for (const auto& [pattern, problem] : std::vector<std::pair<std::string, std::string>>{
           {"/etc/passwd", "is absolute"},
           {"../secret.txt", "has a \"..\" component"},
           {"a/../../secret.txt", "has a \"..\" component"},
           {"!../x", "has a \"..\" component"},
           {"", "is empty"},
           {".", "names the directory itself"},
           {"[a-", "is not a glob"}}) {
    const auto [message, index] = failure(root(), {"b.txt", pattern});
    EXPECT_CONTAINS(message, "The pattern \"" + pattern + "\" " + problem);
    EXPECT_EQ(index, 1);
  }
}

TEST_F(Hashfiles, BoundsAreErrorsNamingThem) {
  const auto [files, files_index] = failure(root(), {"**"}, {.files = 3, .bytes = 1000});
  EXPECT_EQ(files, "hashfiles() hashes at most 3 files, and the patterns match more; narrow them.");
  EXPECT_EQ(files_index, -1);
  EXPECT_NE(digest(root(), {"**"}, {.files = 4, .bytes = 1000}), "");
  const auto [bytes, bytes_index] = failure(root(), {"**"}, {.files = 10, .bytes = 14});
  EXPECT_EQ(bytes,
            "hashfiles() reads at most 14 bytes, and the files the patterns match hold more; narrow them.");
  EXPECT_NE(digest(root(), {"**"}, {.files = 10, .bytes = 15}), "");
}

// The default bounds, with a sparse file that is never read: its size is
// known before any byte is.
TEST_F(Hashfiles, DefaultBoundsAreTenThousandFilesAnd256MiB) {
  for (int i = 0; i < 10'000; ++i) std::ofstream(root() / ("f" + std::to_string(i) + ".dat"));
  EXPECT_EQ(failure(root(), {"*"}).first,
            "hashfiles() hashes at most 10000 files, and the patterns match more; narrow them.");
  EXPECT_NE(digest(root(), {"*.dat"}), "");
  fs::resize_file(root() / "f0.dat", (std::uintmax_t{256} << 20) + 1);
  EXPECT_EQ(failure(root(), {"f0.dat"}).first,
            "hashfiles() reads at most 268435456 bytes, and the files the patterns match hold more; narrow them.");
}

// Through a configuration: `factory lint` reads no files, planning does.
TEST(HashfilesInAConfiguration, LintChecksPatternsAndPlanningHashesTheTree) {
  const std::string text =
      "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" {\n      run = \"true\"\n"
      "      cache \"npm\" {\n        key   = \"npm-${hashfiles(\"package-lock.json\", \"**/package-lock.json\")}\"\n"
      "        paths = [\"node_modules\"]\n      }\n    }\n  }\n}\n";
  TempRepo repo({{"ci.hcl", text}});
  hcl::Diagnostics diags;
  auto cfg = load(repo.root(), diags);
  ASSERT_TRUE(cfg) << hcl::render(diags);
  EXPECT_TRUE(calls_hashfiles(*cfg));

  const core::Repository acme{"acme", "widgets", ""};
  auto key = [&](const fs::path& source_dir, std::string& errors) {
    hcl::Diagnostics plan_diags;
    hcl::Budget budget;
    const core::Plan plan = config::plan(*cfg, push("main"), acme, plan_diags, budget, source_dir);
    errors = hcl::render(plan_diags);
    return plan.pipelines.empty() ? std::string("(none)") : plan.pipelines[0].stages[0].executions[0].caches[0].key;
  };
  std::string errors;
  EXPECT_EQ(key(repo.root(), errors), "npm-") << errors;
  write(repo.root() / "package-lock.json", "{}\n");
  write(repo.root() / "web/package-lock.json", "{\"web\": 1}\n");
  EXPECT_EQ(key(repo.root(), errors), "npm-" + expected(repo.root(), {"package-lock.json", "web/package-lock.json"}));
  EXPECT_EQ(errors, "");

  EXPECT_EQ(key({}, errors), "(none)");
  EXPECT_CONTAINS(errors, "ci.hcl:6:24: error: Error in function call");
  EXPECT_CONTAINS(errors, "hashfiles() has no files to read here");
}

TEST(HashfilesInAConfiguration, BadPatternsAreLintErrorsWithTheirPlace) {
  std::string errors;
  EXPECT_FALSE(load_files({{"ci.hcl", "locals {\n  k = hashfiles(\"a\", \"../../etc/passwd\")\n}\n"
                                      "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = local.k }\n  }\n}\n"}},
                          errors));
  EXPECT_CONTAINS(errors, "ci.hcl:2:22: error: Invalid function argument");
  EXPECT_CONTAINS(errors, "The pattern \"../../etc/passwd\" has a \"..\" component");
}

TEST(HashfilesInAConfiguration, TheWalkCountsTowardsThePlanningDeadline) {
  const std::string text = "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = hashfiles(\"**\") }\n  }\n}\n";
  TempRepo repo({{"ci.hcl", text}});
  for (int i = 0; i < 2000; ++i) write(repo.root() / "data" / std::to_string(i), std::string(4096, 'x'));
  hcl::Diagnostics diags;
  auto cfg = load(repo.root(), diags);
  ASSERT_TRUE(cfg) << hcl::render(diags);
  hcl::Budget budget(hcl::Limits{.time = std::chrono::milliseconds(1)});
  const core::Plan plan = config::plan(*cfg, push("main"), {"acme", "widgets", ""}, diags, budget, repo.root());
  EXPECT_TRUE(plan.pipelines.empty());
  EXPECT_CONTAINS(hcl::render(diags), "Evaluation took too long");
}

TEST(HashfilesInAConfiguration, CallsAreFoundAnywhere) {
  std::string errors;
  auto without = load_files({{"ci.hcl", "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = \"true\" }\n"
                                        "  }\n}\n"}},
                            errors);
  ASSERT_TRUE(without) << errors;
  EXPECT_FALSE(calls_hashfiles(*without));
  auto within = load_files({{"a.hcl", "locals {\n  k = try(upper(hashfiles(\"x\")), \"\")\n}\n"},
                            {"b.hcl", "pipeline \"p\" {\n  stage \"s\" {\n    exec \"e\" { run = local.k }\n"
                                      "  }\n}\n"}},
                           errors);
  ASSERT_TRUE(within) << errors;
  EXPECT_TRUE(calls_hashfiles(*within));
}

}  // namespace
}  // namespace config
