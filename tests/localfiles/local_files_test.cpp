// Caches and artifacts around executions (runner/execution_files.h) kept in
// a local store (localfiles/local_files.h), with real processes: exact hits,
// restore_keys, scopes, failures, corruption, eviction, artifacts and
// needs_artifacts.
#include "localfiles/local_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "runner/execution_files.h"
#include "runner/sandbox.h"
#include "runner_test_support.h"

namespace localfiles {
namespace {

namespace fs = std::filesystem;
using runner::testing::exec;
using runner::testing::pipeline;
using runner::testing::RecordingObserver;
using runner::testing::stage;
using runner::testing::TempDir;

core::CacheSpec cache(std::string key, std::vector<std::string> paths, std::vector<std::string> restore_keys = {}) {
  return {"deps", std::move(key), std::move(paths), std::move(restore_keys)};
}

core::ExecutionSpec cached(std::string run, core::CacheSpec spec) {
  core::ExecutionSpec execution = exec("build", std::move(run));
  execution.caches.push_back(std::move(spec));
  return execution;
}

class LocalCaches : public ::testing::Test {
 protected:
  // Runs a plan of one pipeline in `scope`, reading `default_scope` after
  // it; the lines it printed, the files' lines included.
  std::vector<std::string> run(std::vector<core::StageSpec> stages, const std::string& scope = "main",
                               std::uint64_t limit = std::uint64_t{1} << 30) {
    core::Plan plan;
    plan.pipelines.push_back(pipeline("ci", std::move(stages)));
    auto files = LocalFiles::open({store.path(), scope, "main", true, limit, artifacts.path()}, plan);
    EXPECT_TRUE(files) << files.error().message;
    TempDir copies;
    runner::ExecutionFiles around{**files, copies.path()};
    runner::Options options = runner::testing::options_in(checkout);
    options.isolation = isolation;
    options.workspaces = copies.path().string();
    options.files = &around;
    RecordingObserver observer;
    result = runner::testing::run(plan, options, observer);
    return observer.texts(runner::Stream::Stdout);
  }

  static bool has(const std::vector<std::string>& lines, std::string_view start) {
    return std::any_of(lines.begin(), lines.end(), [start](const std::string& line) { return line.starts_with(start); });
  }

  core::Status status(std::size_t stage = 0, std::size_t execution = 0) const {
    return result.pipelines.at(0).stages.at(stage).executions.at(execution).status;
  }

  TempDir checkout, store, artifacts;
  runner::Isolation isolation = runner::Isolation::None;
  runner::RunResult result;
};

constexpr const char* kFillOrShow =
    "if [ -e deps/f ]; then cat deps/f ~/.store/g; else mkdir -p deps ~/.store; echo in-workspace > deps/f; "
    "echo in-home > ~/.store/g; echo filled; fi";

TEST_F(LocalCaches, AMissIsSavedAndTheNextRunRestoresTheWorkspaceAndTheHome) {
  auto first = run({stage("build", {cached(kFillOrShow, cache("deps-1", {"deps", "~/.store"}))})});
  EXPECT_TRUE(has(first, "cache deps: miss")) << ::testing::PrintToString(first);
  EXPECT_TRUE(has(first, "filled"));
  EXPECT_TRUE(has(first, "cache deps: miss, saved deps-1 (")) << ::testing::PrintToString(first);

  auto second = run({stage("build", {cached(kFillOrShow, cache("deps-1", {"deps", "~/.store"}))})});
  EXPECT_TRUE(has(second, "cache deps: hit deps-1 (")) << ::testing::PrintToString(second);
  EXPECT_TRUE(has(second, "in-workspace"));
  EXPECT_TRUE(has(second, "in-home"));
  EXPECT_FALSE(has(second, "filled"));
  EXPECT_FALSE(has(second, "cache deps: miss, saved")) << "an exact hit is not saved again";
}

TEST_F(LocalCaches, RestoreKeysTakeTheNewestEntryOfThePrefixAndTheNewKeyIsSaved) {
  run({stage("build", {cached("mkdir deps; echo one > deps/f", cache("deps-1", {"deps"}))})});
  run({stage("build", {cached("mkdir deps; echo two > deps/f", cache("deps-2", {"deps"}))})});
  auto lines = run({stage("build", {cached("cat deps/f", cache("deps-3", {"deps"}, {"nothing-", "deps-"}))})});
  EXPECT_TRUE(has(lines, "cache deps: restored from deps-2 (")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "two"));
  EXPECT_TRUE(has(lines, "cache deps: miss, saved deps-3 ("));
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("deps-3", {"deps"}))})}), "cache deps: hit deps-3"));
}

TEST_F(LocalCaches, AFailedExecutionSavesNothing) {
  auto lines = run({stage("build", {cached("mkdir deps; echo x > deps/f; exit 3", cache("deps-1", {"deps"}))})});
  EXPECT_EQ(status(), core::Status::Failure);
  EXPECT_TRUE(has(lines, "caches not saved: the execution did not succeed"));
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("deps-1", {"deps"}))})}), "cache deps: miss"));
}

TEST_F(LocalCaches, APullRequestReadsTheDefaultScopeButDoesNotWriteIt) {
  run({stage("build", {cached("mkdir deps; echo main > deps/f", cache("deps-1", {"deps"}))})}, "main");
  auto pull = run({stage("build", {cached("cat deps/f", cache("deps-1", {"deps"}))})}, "pr:feature");
  EXPECT_TRUE(has(pull, "cache deps: hit deps-1")) << ::testing::PrintToString(pull);
  EXPECT_TRUE(has(pull, "main"));
  run({stage("build", {cached("mkdir deps; echo pr > deps/f", cache("deps-2", {"deps"}))})}, "pr:feature");
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("deps-2", {"deps"}))})}, "main"), "cache deps: miss"));
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("deps-2", {"deps"}))})}, "pr:feature"),
                  "cache deps: hit deps-2"));
}

TEST_F(LocalCaches, ACorruptedEntryIsAMissAndLeavesNothingHalfRestored) {
  run({stage("build", {cached("mkdir deps; seq 1 20000 > deps/f", cache("deps-1", {"deps"}))})});
  for (const auto& entry : fs::recursive_directory_iterator(store.path() / "blobs")) {
    if (!entry.is_regular_file()) continue;
    std::fstream blob{entry.path(), std::ios::in | std::ios::out | std::ios::binary};
    blob.seekp(static_cast<std::streamoff>(entry.file_size() / 2));
    blob.put('\x5a');
    blob.put('\xa5');
  }
  auto lines = run({stage("build", {cached("test ! -e deps && echo clean", cache("deps-1", {"deps"}))})});
  EXPECT_TRUE(has(lines, "cache deps: miss (entry deps-1 could not be restored")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "clean"));
  EXPECT_EQ(status(), core::Status::Success);
}

TEST_F(LocalCaches, TheLeastRecentlyUsedEntriesGoOverTheLimit) {
  // Incompressible contents, so that each entry is about 64 kB.
  const std::string fill = "mkdir deps; head -c 65536 /dev/urandom > deps/f";
  const std::uint64_t limit = 150'000;  // two entries fit, not three
  run({stage("build", {cached(fill, cache("a", {"deps"}))})}, "main", limit);
  run({stage("build", {cached(fill, cache("b", {"deps"}))})}, "main", limit);
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("a", {"deps"}))})}, "main", limit), "cache deps: hit a"));
  run({stage("build", {cached(fill, cache("c", {"deps"}))})}, "main", limit);
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("b", {"deps"}))})}, "main", limit), "cache deps: miss"));
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("a", {"deps"}))})}, "main", limit), "cache deps: hit a"));
  EXPECT_TRUE(has(run({stage("build", {cached("true", cache("c", {"deps"}))})}, "main", limit), "cache deps: hit c"));
}

core::ExecutionSpec with_artifacts(std::string name, std::string run, core::ArtifactsWhen when) {
  core::ExecutionSpec execution = exec(std::move(name), std::move(run));
  execution.artifacts = {"dist/**", "!dist/**/*.map"};
  execution.artifacts_when = when;
  return execution;
}

TEST_F(LocalCaches, ArtifactsAreKeptAsArtifactsWhenSays) {
  using When = core::ArtifactsWhen;
  const std::string build = "mkdir -p dist/js; echo app > dist/js/app.js; echo map > dist/js/app.js.map";
  run({stage("build", {with_artifacts("ok", build, When::Success), with_artifacts("bad", build + "; exit 1", When::Success),
                       with_artifacts("bad-kept", build + "; exit 1", When::Failure),
                       with_artifacts("ok-not-kept", build, When::Failure)})});
  const fs::path stage_dir = artifacts.path() / "ci" / "build";
  EXPECT_TRUE(fs::exists(stage_dir / "ok" / "dist/js/app.js"));
  EXPECT_FALSE(fs::exists(stage_dir / "ok" / "dist/js/app.js.map")) << "excluded by !dist/**/*.map";
  EXPECT_FALSE(fs::exists(stage_dir / "bad"));
  EXPECT_TRUE(fs::exists(stage_dir / "bad-kept" / "dist/js/app.js"));
  EXPECT_FALSE(fs::exists(stage_dir / "ok-not-kept"));
}

TEST_F(LocalCaches, ALaterStageReceivesTheArtifactsItNeeds) {
  // Both write dist/app.txt; the stage hands on the later one's, and the
  // artifact of the first replaces it.
  core::ExecutionSpec receiver = exec("deploy", "cat dist/app.txt");
  receiver.needs_artifacts = {{0, 0, 0, "build/first"}};
  auto lines = run({stage("build", {with_artifacts("first", "mkdir dist; echo from-first > dist/app.txt",
                                                   core::ArtifactsWhen::Success),
                                    exec("second", "mkdir dist; echo from-second > dist/app.txt")}),
                    stage("deploy", {receiver})});
  EXPECT_EQ(status(1, 0), core::Status::Success);
  EXPECT_TRUE(has(lines, "artifacts of build/first: 1 file (")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(lines, "from-first"));
  EXPECT_FALSE(has(lines, "from-second"));
}

TEST_F(LocalCaches, NeedingArtifactsOfAnExecutionThatKeptNoneIsAnError) {
  core::ExecutionSpec receiver = exec("deploy", "echo ran");
  receiver.needs_artifacts = {{0, 0, 0, "build/first"}};
  core::ExecutionSpec failing = with_artifacts("first", "exit 1", core::ArtifactsWhen::Success);
  failing.allow_failure = true;
  auto lines = run({stage("build", {failing}), stage("deploy", {receiver})});
  EXPECT_EQ(status(1, 0), core::Status::Error);
  EXPECT_FALSE(has(lines, "ran"));
  EXPECT_NE(result.pipelines[0].stages[1].executions[0].error.find("the artifacts of build/first are not there"),
            std::string::npos)
      << result.pipelines[0].stages[1].executions[0].error;
}

TEST_F(LocalCaches, ALinkIsNeverKeptAsAnArtifact) {
  auto lines = run({stage("build", {with_artifacts("links", "mkdir dist; ln -s /etc/passwd dist/passwd; echo a > dist/a",
                                                   core::ArtifactsWhen::Success)})});
  EXPECT_TRUE(has(lines, "artifacts: 1 file left out: symbolic links are not kept"));
  EXPECT_TRUE(has(lines, "artifacts: kept 1 file ("));
  EXPECT_TRUE(fs::exists(artifacts.path() / "ci/build/links/dist/a"));
  EXPECT_FALSE(fs::exists(artifacts.path() / "ci/build/links/dist/passwd"));
}

TEST_F(LocalCaches, ACacheInTheHomeOfASandboxedExecution) {
  std::string problem;
  if (!runner::detect_sandbox(problem)) GTEST_SKIP() << problem;
  isolation = runner::Isolation::Sandbox;
  EXPECT_TRUE(has(run({stage("build", {cached(kFillOrShow, cache("deps-1", {"deps", "~/.store"}))})}), "filled"));
  auto second = run({stage("build", {cached(kFillOrShow, cache("deps-1", {"deps", "~/.store"}))})});
  EXPECT_TRUE(has(second, "in-home")) << ::testing::PrintToString(second);
}

}  // namespace
}  // namespace localfiles
