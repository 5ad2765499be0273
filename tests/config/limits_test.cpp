// Loading and planning under a budget: a limit stops load() and plan() with
// one diagnostic at its place, cancelling stops them, the sources are read
// only from inside the repository, and real configurations stay far within.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "events.h"
#include "temp_repo.h"
#include "test_paths.h"

namespace config {
namespace {

using namespace testing;
using std::chrono::milliseconds;

std::string pipeline_running(const std::string& run, const std::string& extra = "") {
  return "pipeline \"p\" {\n" + extra + "  stage \"s\" {\n    exec \"e\" {\n      run = " + run + "\n    }\n  }\n}\n";
}

struct Loaded {
  std::optional<Configuration> cfg;
  hcl::Diagnostics diags;
};

Loaded load_under(const TempRepo& repo, hcl::Budget& budget) {
  Loaded loaded;
  loaded.cfg = load(repo.root(), loaded.diags, budget);
  return loaded;
}

TEST(Limits, ALimitStopsLoadingWithOneDiagnosticAtItsPlace) {
  std::string hcl = "locals {\n  a0 = \"x\"\n";
  for (int i = 1; i <= 30; ++i)
    hcl += "  a" + std::to_string(i) + " = \"${local.a" + std::to_string(i - 1) + "}${local.a" +
           std::to_string(i - 1) + "}\"\n";
  TempRepo repo({{"x.hcl", hcl + "}\n" + pipeline_running("local.a30")}});
  hcl::Budget budget = planning_budget();
  Loaded loaded = load_under(repo, budget);
  EXPECT_FALSE(loaded.cfg);
  ASSERT_EQ(loaded.diags.size(), 1u) << hcl::render(loaded.diags);
  const hcl::Diagnostic& d = loaded.diags[0];
  EXPECT_EQ(d.summary, "String too long");
  EXPECT_EQ(d.subject.start.line, 23u);  // a21 = "${local.a20}${local.a20}": the first over 1 MiB
  EXPECT_NE(hcl::render(loaded.diags).find("x.hcl:23:"), std::string::npos) << hcl::render(loaded.diags);
}

TEST(Limits, TheDeadlineStopsLoading) {
  TempRepo repo({{"x.hcl", "locals {\n  r = [for i in range(1024): i]\n}\n" +
                               pipeline_running("length([for a in local.r: [for b in local.r: [for c in local.r: c "
                                                "if false]]]) > 0 ? \"a\" : \"b\"")}});
  const auto start = std::chrono::steady_clock::now();
  hcl::Budget budget = planning_budget();
  Loaded loaded = load_under(repo, budget);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(loaded.cfg);
  ASSERT_EQ(loaded.diags.size(), 1u) << hcl::render(loaded.diags);
  EXPECT_EQ(loaded.diags[0].summary, "Evaluation took too long");
  EXPECT_GE(took, kPlanningTime);
  EXPECT_LT(took, kPlanningTime + milliseconds(500));
}

TEST(Limits, CancellingStopsLoading) {
  TempRepo repo({{"x.hcl", "locals {\n  r = [for i in range(1024): i]\n}\n" +
                               pipeline_running("\"x\"", "  env = { N = length([for a in local.r: [for b in local.r: "
                                                         "[for c in local.r: c if false]]]) }\n")}});
  // Loading alone takes as long as planning: give it no deadline.
  bool cancelled = false;
  hcl::Budget budget(hcl::Limits{}, [&] { return cancelled; });
  cancelled = true;
  Loaded loaded = load_under(repo, budget);
  ASSERT_EQ(loaded.diags.size(), 1u) << hcl::render(loaded.diags);
  EXPECT_EQ(loaded.diags[0].summary, "Evaluation cancelled");
}

TEST(Limits, CancellingStopsPlanningWithAnEmptyPlan) {
  // Cheap for the representative event of validation (tag v0.0.0), a
  // million steps for a push without a tag.
  TempRepo repo({{"x.hcl", pipeline_running("event.tag == \"\" ? join(\"\", [for a in range(1024): [for b in "
                                            "range(1024): \"x\"][0]]) : \"x\"")}});
  hcl::Budget budget = planning_budget();
  Loaded loaded = load_under(repo, budget);
  ASSERT_TRUE(loaded.cfg) << hcl::render(loaded.diags);
  hcl::Budget cancelled(hcl::Limits{}, [] { return true; });
  hcl::Diagnostics diags;
  core::Plan plan = config::plan(*loaded.cfg, push("main"), {"o", "r", "u"}, diags, cancelled);
  EXPECT_TRUE(plan.pipelines.empty());
  ASSERT_EQ(diags.size(), 1u) << hcl::render(diags);
  EXPECT_EQ(diags[0].summary, "Evaluation cancelled");
}

TEST(Limits, WhatThePlanCopiesCountsTowardsTheTotal) {
  // A 1 MB string, fine once, copied into each of 256 instances.
  TempRepo repo({{"x.hcl", "locals {\n  big = join(\"\", [for i in range(1000): \"" + std::string(1000, 'a') +
                               "\"])\n}\n" +
                               pipeline_running("local.big", "  matrix {\n    a = range(16)\n    b = range(16)\n  }\n")}});
  hcl::Budget budget = planning_budget();
  Loaded loaded = load_under(repo, budget);
  EXPECT_FALSE(loaded.cfg);
  ASSERT_EQ(loaded.diags.size(), 1u) << hcl::render(loaded.diags);
  EXPECT_EQ(loaded.diags[0].summary, "Configuration produces too much data");
}

TEST(Limits, AHugeMatrixAxisIsRefusedBeforeExpanding) {
  TempRepo repo({{"x.hcl", pipeline_running("\"x\"", "  matrix {\n    a = range(16)\n    b = flatten([for i in "
                                                     "range(100): range(1000)])\n  }\n")}});
  hcl::Budget budget = planning_budget();
  Loaded loaded = load_under(repo, budget);
  EXPECT_FALSE(loaded.cfg);
  EXPECT_NE(hcl::render(loaded.diags).find("is too large"), std::string::npos) << hcl::render(loaded.diags);
}

TEST(Limits, SourcesComeFromInsideTheRepositoryOnly) {
  TempRepo outside({{"x.hcl", pipeline_running("\"x\"")}});
  TempRepo repo({});
  std::filesystem::create_symlink("/proc/self/environ", repo.root() / ".factory" / "env.hcl");
  hcl::Diagnostics diags;
  EXPECT_FALSE(load(repo.root(), diags));
  EXPECT_NE(hcl::render(diags).find("leads out of the repository"), std::string::npos) << hcl::render(diags);

  TempRepo linked({});
  std::filesystem::remove(linked.root() / ".factory");
  std::filesystem::create_directory_symlink(outside.root() / ".factory", linked.root() / ".factory");
  hcl::Diagnostics linked_diags;
  EXPECT_FALSE(load(linked.root(), linked_diags));
  EXPECT_NE(hcl::render(linked_diags).find("leads out of the repository"), std::string::npos);

  // A link inside the repository is fine.
  TempRepo inside({{"real.txt", pipeline_running("\"x\"")}});
  std::filesystem::create_symlink("real.txt", inside.root() / ".factory" / "ci.hcl");
  hcl::Diagnostics inside_diags;
  EXPECT_TRUE(load(inside.root(), inside_diags)) << hcl::render(inside_diags);
}

TEST(Limits, SourcesAreBounded) {
  std::string comment = "# " + std::string(kMaxSourceBytes, 'x') + "\n";
  TempRepo repo({{"x.hcl", comment + pipeline_running("\"x\"")}});
  hcl::Diagnostics diags;
  EXPECT_FALSE(load(repo.root(), diags));
  EXPECT_NE(hcl::render(diags).find("more than 4 MiB"), std::string::npos) << hcl::render(diags);
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// AddressSanitizer slows evaluation several times over; the planning time is
// the optimised build's promise, so the sanitizer build allows in proportion.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 10;
#else
constexpr int kSlowdown = 1;
#endif

// The largest configuration we know (2 MB: about 0.2 s of CPU), and every
// realistic one of the corpus, load and plan within the planning budget.
TEST(Limits, RealConfigurationsStayFarWithin) {
  std::vector<std::filesystem::path> files{testpaths::shared_dir() / "hcl-corpus" / "bench" / "large.hcl"};
  for (const auto& entry : std::filesystem::directory_iterator(testpaths::shared_dir() / "hcl-corpus" / "ci"))
    if (entry.path().extension() == ".hcl") files.push_back(entry.path());
  for (const auto& file : files) {
    TempRepo repo({{"ci.hcl", read(file)}});
    hcl::Limits limits;
    limits.time = kPlanningTime * kSlowdown;
    hcl::Budget budget{limits};
    Loaded loaded = load_under(repo, budget);
    if (loaded.cfg) config::plan(*loaded.cfg, push("main"), {"o", "r", "u"}, loaded.diags, budget);
    EXPECT_FALSE(budget.exhausted()) << file << ": " << budget.reason().summary;
  }
}

}  // namespace
}  // namespace config
