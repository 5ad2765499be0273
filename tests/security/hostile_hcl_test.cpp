// Red team: a hostile `.factory/` (whoever can push or open a pull request
// writes it) must not hang or exhaust what evaluates it. Each attack below
// once hung `factory lint` and the agent, crashed them, or took gigabytes;
// now each ends within 2 s, under 256 MB, with a diagnostic naming the
// limit at its place in the file. Through a real server and local agent,
// such a workflow fails with that diagnostic as its reason and the agent's
// slot is free for the next workflow.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <chrono>

#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::contains;
using clitest::json;
using clitest::read_file;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Attack {
  const char* name;
  std::string hcl;       // the whole .factory/x.hcl
  std::vector<std::string> expected;  // one of these is in the diagnostic
};

std::string pipeline_running(const std::string& run, const std::string& extra = "") {
  return "pipeline \"p\" {\n" + extra + "  stage \"s\" {\n    exec \"e\" {\n      run = " + run + "\n    }\n  }\n}\n";
}

// a0 = "x", a1 = "${a0}${a0}", ...: 2^n characters in n lines.
std::string doubling_strings(int n) {
  std::string hcl = "locals {\n  a0 = \"x\"\n";
  for (int i = 1; i <= n; ++i)
    hcl += "  a" + std::to_string(i) + " = \"${local.a" + std::to_string(i - 1) + "}${local.a" +
           std::to_string(i - 1) + "}\"\n";
  return hcl + "}\n" + pipeline_running("local.a" + std::to_string(n));
}

// l0 = ["x"], l1 = concat(l0, l0), ... (or [l0, l0] with `nest`).
std::string doubling_lists(int n, bool nest, const std::string& use) {
  std::string hcl = "locals {\n  l0 = [\"x\"]\n";
  for (int i = 1; i <= n; ++i) {
    const std::string previous = "local.l" + std::to_string(i - 1);
    hcl += "  l" + std::to_string(i) + " = " +
           (nest ? "[" + previous + ", " + previous + "]" : "concat(" + previous + ", " + previous + ")") + "\n";
  }
  return hcl + "}\n" + pipeline_running(use);
}

// a0 = [], a1 = [a0], ...: a value n levels deep.
std::string deepening_locals(int n) {
  std::string hcl = "locals {\n  a0 = []\n";
  for (int i = 1; i <= n; ++i) hcl += "  a" + std::to_string(i) + " = [local.a" + std::to_string(i - 1) + "]\n";
  return hcl + "}\n" + pipeline_running("jsonencode(local.a" + std::to_string(n) + ")");
}

// a0 = 0, a1 = 1, ...: n locals, all written out.
std::string many_locals(int n) {
  std::string hcl = "locals {\n";
  for (int i = 0; i < n; ++i) hcl += "  a" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  return hcl + "}\n" + pipeline_running("jsonencode(local)");
}

// 100,000 characters: 1000 pieces of 100.
const std::string kBig = "join(\"\", [for i in range(1000): \"" + std::string(100, 'a') + "\"])";

std::vector<Attack> attacks() {
  return {
      {"catastrophic_backtracking", pipeline_running("regex(\"^(a+)+$\", \"${" + kBig + "}b\")"),
       {"pattern did not match"}},
      {"regexall_on_100k_characters", pipeline_running("regexall(\"(a)\", " + kBig + ")"), {"run must be a string"}},
      {"regex_dot_star_on_100k_characters", pipeline_running("[regex(\"^.*$\", " + kBig + ")]"),
       {"run must be a string"}},
      {"format_width", pipeline_running("format(\"%2000000000d\", 1)"), {"is over the limit of 1000"}},
      {"format_width_overflowing", pipeline_running("format(\"%99999999999999999999d\", 1)"),
       {"is over the limit of 1000"}},
      {"format_precision", pipeline_running("format(\"%.1000000000f\", 1)"), {"is over the limit of 1000"}},
      {"doubling_locals", doubling_strings(40), {"String too long"}},
      {"doubling_lists", doubling_lists(40, false, "join(\",\", local.l40)"), {"Collection too large"}},
      {"doubling_shared_tuples", doubling_lists(60, true, "jsonencode(local.l60)"), {"String too long"}},
      {"nested_for_over_range_1024",
       pipeline_running("jsonencode([for a in range(1024): [for b in range(1024): [for c in range(1024): c]]])"),
       {"Configuration produces too much data"}},
      {"nested_for_that_produces_nothing",
       "locals {\n  r = [for i in range(1024): i]\n}\n" +
           pipeline_running("jsonencode([for a in local.r: [for b in local.r: [for c in local.r: c if false]]])"),
       {"Evaluation took too long"}},
      {"deeply_nested_brackets", pipeline_running(std::string(200000, '[') + std::string(200000, ']')),
       {"too deeply nested"}},
      {"deeply_nested_parentheses", pipeline_running(std::string(200000, '(') + "1" + std::string(200000, ')')),
       {"too deeply nested"}},
      {"deeply_nested_value", deepening_locals(5000), {"Value too deeply nested"}},
      {"four_megabytes_of_locals", many_locals(220000), {"Evaluation took too long", "String too long"}},
      {"too_many_sources", "# " + std::string(5 << 20, 'x') + "\n" + pipeline_running("\"x\""), {"more than 4 MiB"}},
      {"huge_matrix_axis",
       pipeline_running("\"true\"", "  matrix {\n    a = flatten([for i in range(100): range(1000)])\n  }\n"),
       {"is too large"}},
      {"one_megabyte_run_in_every_matrix_instance",
       "locals {\n  big = join(\"\", [for i in range(1000): \"" + std::string(1000, 'a') + "\"])\n}\n" +
           pipeline_running("local.big", "  matrix {\n    a = range(16)\n    b = range(16)\n  }\n"),
       {"Configuration produces too much data"}},
  };
}

struct Outcome {
  int exit_code = -1;
  std::string output;
  std::chrono::milliseconds took{0};
  long max_rss_kb = 0;
};

// `factory lint dir`, with its wall time and peak memory.
Outcome lint(const fs::path& dir) {
  const fs::path output = dir / "lint.out";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string factory = testpaths::factory_binary().string();
    execl(factory.c_str(), factory.c_str(), "lint", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  Outcome outcome;
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.max_rss_kb = usage.ru_maxrss;
  outcome.output = read_file(output);
  return outcome;
}

class HostileHcl : public ::testing::TestWithParam<Attack> {};

TEST_P(HostileHcl, LintEndsWithTheLimitInTimeAndMemory) {
  const Attack& attack = GetParam();
  testpaths::TempDir repo("hostile-hcl");
  fs::create_directories(repo.path() / ".factory");
  std::ofstream(repo.path() / ".factory" / "x.hcl") << attack.hcl;
  const Outcome outcome = lint(repo.path());
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_TRUE(std::any_of(attack.expected.begin(), attack.expected.end(),
                          [&](const std::string& limit) { return contains(outcome.output, limit); }))
      << outcome.output.substr(0, 4000);
  // The file, and for an expression its line and column.
  EXPECT_TRUE(contains(outcome.output, "x.hcl")) << "the diagnostic names its place: " << outcome.output.substr(0, 4000);
  EXPECT_LT(outcome.took, 2s);
  EXPECT_LT(outcome.max_rss_kb, 256 * 1024);
}

INSTANTIATE_TEST_SUITE_P(Attacks, HostileHcl, ::testing::ValuesIn(attacks()),
                         [](const auto& info) { return std::string(info.param.name); });

// The largest legitimate configuration we know (2 MB of pipelines in the
// shapes real configurations use) is not mistaken for an attack.
TEST(HostileHclBaseline, ALargeLegitimateConfigurationStaysWithinTheLimits) {
  testpaths::TempDir repo("large-hcl");
  fs::create_directories(repo.path() / ".factory");
  fs::copy_file(testpaths::shared_dir() / "hcl-corpus" / "bench" / "large.hcl", repo.path() / ".factory" / "ci.hcl");
  const Outcome outcome = lint(repo.path());
  for (const char* limit : {"too long", "too large", "too much data", "too deeply nested", "cancelled"})
    EXPECT_FALSE(contains(outcome.output, limit)) << outcome.output.substr(0, 4000);
  EXPECT_LT(outcome.max_rss_kb, 256 * 1024);
}

class HostileHclOnServer : public CiServer {};

// One local agent: the hostile workflow fails with the limit as its reason,
// and the agent is free at once for the next workflow, which runs.
TEST_F(HostileHclOnServer, TheWorkflowFailsWithTheLimitAndTheAgentMovesOn) {
  write_file(".factory/ci.hcl", pipeline_running("\"echo fine\""));
  create_repository();
  start({"--max-agents", "1"});
  const std::vector<std::pair<std::string, std::string>> hostile{
      {doubling_lists(60, true, "jsonencode(local.l60)"), "String too long"},
      {"locals {\n  r = [for i in range(1024): i]\n}\n" +
           pipeline_running("jsonencode([for a in local.r: [for b in local.r: [for c in local.r: c if false]]])"),
       "Evaluation took too long"},
  };
  for (const auto& [hcl, limit] : hostile) {
    write_file(".factory/ci.hcl", hcl);
    const std::string sha = commit(limit);
    push("HEAD:main");
    const auto delivered = std::chrono::steady_clock::now();
    const json failed = wait_for_end(push_hook("refs/heads/main", sha), 20s);
    const auto took = std::chrono::steady_clock::now() - delivered;
    EXPECT_EQ(failed["status"], "failure") << failed.dump(1);
    const std::string reason = failed.value("status_reason", "");
    EXPECT_TRUE(contains(reason, "the configuration is not valid")) << reason;
    EXPECT_TRUE(contains(reason, limit)) << reason;
    EXPECT_TRUE(contains(reason, "ci.hcl:")) << reason;
    EXPECT_LT(took, 10s);
  }
  write_file(".factory/ci.hcl", pipeline_running("\"echo fine\""));
  const std::string fine = commit("fine");
  push("HEAD:main");
  const json next = wait_for_end(push_hook("refs/heads/main", fine), 20s);
  EXPECT_EQ(next["status"], "success") << next.dump(1);
}

}  // namespace
