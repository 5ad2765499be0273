// `factory run` on the example repositories of ../shared/examples (each
// copied to a temporary directory first), through a pipe and on a terminal
// (tmux); and the workspaces its executions run in.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/npm_cache_pipeline.h"
#include "cli/processes.h"
#include "cli/shell.h"
#include "temp_dir.h"
#include "test_paths.h"
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path shared_dir() { return testpaths::shared_dir(); }
std::string factory_binary() { return testpaths::factory_binary().string(); }

using testpaths::TempDir;

using clitest::Outcome;
using clitest::quote;
using clitest::shell;

class RunCommand : public ::testing::Test {
 protected:
  void use_example(const std::string& name) {
    fs::copy(shared_dir() / "examples" / name, repo.path(), fs::copy_options::recursive);
  }
  void write(const std::string& relative, const std::string& text) {
    fs::create_directories((repo.path() / relative).parent_path());
    std::ofstream(repo.path() / relative) << text;
  }
  // In `scratch` as its temporary directory, where the executions' workspaces go.
  std::string factory_run(const std::string& flags) const {
    return "env TMPDIR=" + quote(scratch.path().string()) + " " + quote(factory_binary()) + " run " +
           quote(repo.path().string()) + " " + flags;
  }
  // Progress on stderr (dropped), the result tree on stdout.
  json run_json(const std::string& flags, int expected_exit) {
    auto outcome = shell(factory_run(flags + " --json") + " 2>/dev/null");
    EXPECT_EQ(outcome.exit_code, expected_exit) << outcome.output;
    return json::parse(outcome.output);
  }
  Outcome run_plain(const std::string& flags) { return shell(factory_run(flags) + " 2>&1"); }

  TempDir repo, scratch;
};

std::vector<std::string> pipeline_names(const json& result) {
  std::vector<std::string> names;
  for (const auto& pipeline : result["pipelines"]) names.push_back(pipeline["name"]);
  return names;
}

const json& execution(const json& result, std::size_t p, std::size_t s, std::size_t e) {
  return result["pipelines"][p]["stages"][s]["executions"][e];
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Processes working in `dir` or below (what an execution left running).
int processes_in(const fs::path& dir) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::error_code error;
    auto cwd = fs::read_symlink(entry.path() / "cwd", error);
    if (!error && cwd.string().starts_with(dir.string())) ++count;
  }
  return count;
}

TEST_F(RunCommand, HelloRunsBothStagesAndSucceeds) {
  use_example("hello");
  auto outcome = run_plain("");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[hello/check/both] hello\n")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[hello/check/both] bonjour\n"));
  EXPECT_TRUE(contains(outcome.output, "pipelines:  1 success\n"));
  EXPECT_TRUE(contains(outcome.output, "stages:     2 success\n"));
  EXPECT_TRUE(contains(outcome.output, "executions: 3 success\n"));
  EXPECT_FALSE(contains(outcome.output, "\x1b[")) << "no terminal, no escape sequences";

  auto result = run_json("", 0);
  EXPECT_EQ(result["status"], "success");
  EXPECT_EQ(result["pipelines"][0]["stages"].size(), 2u);
}

TEST_F(RunCommand, FailingBehavesAsItsExpectationsSay) {
  use_example("failing");
  auto start = std::chrono::steady_clock::now();
  auto result = run_json("", 1);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 15.0);
  EXPECT_EQ(pipeline_names(result), (std::vector<std::string>{"first", "second", "slow"}));
  EXPECT_EQ(execution(result, 0, 0, 0)["name"], "flaky-but-allowed");
  EXPECT_EQ(execution(result, 0, 0, 0)["status"], "failure");
  EXPECT_EQ(execution(result, 0, 0, 0)["exit_code"], 3);
  EXPECT_EQ(execution(result, 0, 0, 1)["status"], "success");
  EXPECT_EQ(execution(result, 0, 1, 0)["status"], "failure");
  EXPECT_EQ(execution(result, 0, 1, 0)["exit_code"], 7);
  EXPECT_EQ(result["pipelines"][0]["stages"][2]["status"], "skipped");
  EXPECT_EQ(execution(result, 0, 2, 0)["status"], "skipped");
  EXPECT_EQ(result["pipelines"][1]["status"], "skipped");
  EXPECT_EQ(execution(result, 2, 0, 0)["status"], "failure");
  EXPECT_EQ(execution(result, 2, 0, 0)["timed_out"], true);
  EXPECT_EQ(processes_in(repo.path()) + processes_in(scratch.path()), 0);

  auto outcome = run_plain("");
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_TRUE(contains(outcome.output, "[first/two/breaks] about to fail\n")) << outcome.output;
  EXPECT_FALSE(contains(outcome.output, "this must not run"));
  EXPECT_TRUE(contains(outcome.output, "first/slow") || contains(outcome.output, "slow/sleep/times-out: timed out"))
      << outcome.output;
  // The summary lists the failures with their last output.
  EXPECT_TRUE(contains(outcome.output, "first/two/breaks: exit 7\n      about to fail\n")) << outcome.output;
}

TEST_F(RunCommand, MatrixRunsOneInstancePerCombination) {
  use_example("matrix");
  auto outcome = run_plain("");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  auto result = run_json("", 0);
  ASSERT_EQ(result["pipelines"].size(), 4u);
  for (const auto& pipeline : result["pipelines"]) {
    std::string name = pipeline["name"];
    std::string compiler = pipeline["matrix"]["compiler"], mode = pipeline["matrix"]["mode"];
    EXPECT_TRUE(contains(name, compiler) && contains(name, mode)) << name;
    EXPECT_TRUE(contains(outcome.output, "[" + name + "/build/compile] " + compiler + "-" + mode + "\n"))
        << outcome.output;
  }
}

struct MultiFileCase {
  std::string flags;
  std::vector<std::string> pipelines;
  std::string printed;
};

TEST_F(RunCommand, MultiFileRunsWhatEachEventSelects) {
  use_example("multi-file");
  const std::vector<MultiFileCase> cases = {
      {"--branch main --changed src/a.txt", {"lint", "build"}, "[build/compile/make] built main\n"},
      {"--branch main --changed src/README.md", {"lint"}, ""},
      {"--branch feature/x --changed src/a.txt", {"lint"}, ""},
      {"--event pull_request --branch feature/x --target-branch main --changed src/a.txt", {"lint", "build"}, ""},
      {"--tag v1.2.0", {"release"}, "[release/publish/announce] releasing V1.2.0\n"},
  };
  for (const auto& c : cases) {
    auto result = run_json(c.flags, 0);
    EXPECT_EQ(pipeline_names(result), c.pipelines) << c.flags;
    if (c.pipelines.size() == 2) {  // build waits for lint
      EXPECT_LE(result["pipelines"][0]["finished"].get<std::string>(),
                result["pipelines"][1]["started"].get<std::string>());
    }
    if (!c.printed.empty()) {
      EXPECT_TRUE(contains(run_plain(c.flags).output, c.printed)) << c.flags;
    }
  }
  auto nothing = run_plain("--tag v1.3.0-rc1");
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_TRUE(contains(nothing.output, "no pipeline matched")) << nothing.output;
}

// Pipelines the event's filters leave out are listed with the reason, in
// the summary and in --json, also when nothing runs at all.
TEST_F(RunCommand, SkippedPipelinesAreListedWithTheirReasons) {
  use_example("multi-file");
  const json result = run_json("--branch feature/x --changed src/a.txt", 0);
  ASSERT_TRUE(result["skipped"].is_array()) << result.dump();
  std::vector<std::string> skipped;
  for (const auto& pipeline : result["skipped"]) {
    skipped.push_back(pipeline["name"]);
    EXPECT_FALSE(pipeline["reason"].get<std::string>().empty()) << pipeline;
  }
  EXPECT_EQ(skipped, (std::vector<std::string>{"build", "release"})) << result["skipped"];
  const std::string build_reason = result["skipped"][0]["reason"];
  EXPECT_TRUE(contains(build_reason, "feature/x")) << build_reason;
  EXPECT_TRUE(contains(run_plain("--branch feature/x --changed src/a.txt").output, "build  skipped: " + build_reason));
  EXPECT_TRUE(contains(run_plain("--tag v1.3.0-rc1").output, "release skipped: ")) << "with nothing to run too";
}

// A service's state shows in the plain output, in the summary and in --json;
// one that never gets ready fails its pipeline with the reason.
TEST_F(RunCommand, ServicesRunAndTheirStateIsShown) {
  const std::string web = std::to_string(clitest::free_port()), late = std::to_string(clitest::free_port());
  write(".factory/ci.hcl",
        "pipeline \"ok\" {\n"
        "  service \"web\" {\n"
        "    run   = \"exec python3 -m http.server " + web + " --bind 127.0.0.1\"\n"
        "    ports = [" + web + "]\n"
        "  }\n"
        "  stage \"s\" {\n    exec \"get\" { run = \"python3 -c 'import socket; socket.create_connection((\\\"127.0.0.1\\\", ${service.web.port}))'\" }\n  }\n"
        "}\n"
        "pipeline \"broken\" {\n"
        "  service \"late\" {\n"
        "    run   = \"exec sleep 1003.5\"\n"
        "    ports = [" + late + "]\n"
        "    ready { timeout = \"1s\" }\n"
        "  }\n"
        "  stage \"s\" {\n    exec \"never\" { run = \"true\" }\n  }\n"
        "}\n");
  const std::string reason = "service late was not ready after 1s: nothing accepted connections on port " + late;
  const json result = run_json("--branch main", 1);
  ASSERT_EQ(result["pipelines"].size(), 2u) << result.dump(1);
  EXPECT_EQ(result["pipelines"][0]["status"], "success") << result.dump(1);
  EXPECT_EQ(result["pipelines"][0]["services"][0]["name"], "web");
  EXPECT_EQ(result["pipelines"][0]["services"][0]["status"], "success");
  EXPECT_EQ(result["pipelines"][1]["status"], "failure");
  EXPECT_EQ(result["pipelines"][1]["error"], reason);
  EXPECT_EQ(result["pipelines"][1]["services"][0]["status"], "failure");
  EXPECT_EQ(result["pipelines"][1]["stages"][0]["status"], "skipped");
  const std::string plain = run_plain("--branch main").output;
  EXPECT_TRUE(contains(plain, "[ok/services/web] ● running\n")) << plain;
  EXPECT_TRUE(contains(plain, "[ok/services/web] ✓ success\n")) << plain;
  EXPECT_TRUE(contains(plain, "[broken/services/late] ✗ failure (" + reason + ")\n")) << plain;
  EXPECT_TRUE(contains(plain, "pipeline broken: failure: " + reason + "\n")) << plain;
  EXPECT_EQ(shell("pgrep -f 'sleep 1003[.]5'").exit_code, 1) << "no service is left running";
}

// A schedule's slot is a cron event: only the pipelines filtered to it run.
TEST_F(RunCommand, ACronEventRunsOnlyThePipelinesFilteredToIt) {
  write(".factory/ci.hcl",
        "schedule \"nightly\" {\n  cron = \"0 3 * * *\"\n  branch = \"main\"\n}\n"
        "pipeline \"build\" {\n  filter { events = [\"push\"] }\n"
        "  stage \"s\" {\n    exec \"e\" { run = \"touch build.ran\" }\n  }\n}\n"
        "pipeline \"soak\" {\n  filter {\n    events = [\"cron\"]\n    schedules = [\"nightly\"]\n  }\n"
        "  stage \"s\" {\n    exec \"e\" { run = \"echo ${event.schedule} ${event.branch} > soak.ran\" }\n  }\n}\n"
        "pipeline \"weekly\" {\n  filter { schedules = [\"weekly\"] }\n"
        "  stage \"s\" {\n    exec \"e\" { run = \"touch weekly.ran\" }\n  }\n}\n");
  const json result = run_json("--schedule nightly --branch main --in-place", 0);
  EXPECT_EQ(pipeline_names(result), (std::vector<std::string>{"soak"})) << result.dump();
  std::ifstream ran(repo.path() / "soak.ran");
  std::string line;
  std::getline(ran, line);
  EXPECT_EQ(line, "nightly main");
  EXPECT_FALSE(fs::exists(repo.path() / "build.ran"));
  EXPECT_FALSE(fs::exists(repo.path() / "weekly.ran"));
  EXPECT_TRUE(contains(run_plain("--schedule nightly --branch main").output, "for cron (schedule nightly) on main"));
  const Outcome without = run_plain("--event cron");
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_TRUE(contains(without.output, "a cron event needs --schedule NAME")) << without.output;
}

// Matrix combinations that exclude leaves out, and stages and executions
// whose `when` is false, are skipped with their reasons, in the plain
// output, the summary and --json; none of them runs (prints).
TEST_F(RunCommand, ExcludedCombinationsAndFalseConditionsAreSkippedWithTheirReasons) {
  write(".factory/ci.hcl", R"(pipeline "test" {
  matrix {
    os      = ["linux", "mac"]
    exclude = [{ os = "mac" }]
    include = [{ os = "bsd" }]
  }
  stage "build" {
    exec "compile" {
      run = "echo compiled on ${matrix.os}"
    }
    exec "package" {
      run  = "echo never ran on ${matrix.os}"
      when = matrix.os == "windows"
    }
  }
  stage "publish" {
    when = event.branch == "release"
    exec "upload" {
      run = "echo never ran upload"
    }
  }
}

pipeline "deploy" {
  stage "push" {
    when = event.tag != ""
    exec "push" {
      run = "echo never ran push"
    }
  }
})");
  const json result = run_json("--branch main", 0);
  EXPECT_EQ(pipeline_names(result), (std::vector<std::string>{"test (linux)", "test (bsd)", "deploy"}));
  EXPECT_EQ(result["skipped"], json::array({{{"name", "test (mac)"}, {"reason", "excluded by { os = \"mac\" }"}}}));
  const json& package = execution(result, 0, 0, 1);
  EXPECT_EQ(package["status"], "skipped");
  EXPECT_EQ(package["skip_reason"], "when: matrix.os == \"windows\" is false");
  EXPECT_EQ(package["attempts"], 0);
  const json& publish = result["pipelines"][1]["stages"][1];
  EXPECT_EQ(publish["status"], "skipped");
  EXPECT_EQ(publish["skip_reason"], "when: event.branch == \"release\" is false");
  EXPECT_EQ(publish["executions"][0]["skip_reason"], "when: event.branch == \"release\" is false");
  EXPECT_EQ(result["pipelines"][1]["status"], "success");
  EXPECT_EQ(result["pipelines"][2]["status"], "skipped");
  EXPECT_EQ(result["pipelines"][2]["skip_reason"], "every stage is skipped");

  const Outcome plain = run_plain("--branch main");
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_FALSE(contains(plain.output, "never ran")) << plain.output;
  for (const std::string line : {
           "[test (bsd)/build/package] ↷ skipped (when: matrix.os == \"windows\" is false)\n",
           "stage test (linux)/publish: skipped (when: event.branch == \"release\" is false)\n",
           "pipeline deploy: skipped (every stage is skipped)\n",
           "executions: 2 success, 5 skipped\n",
           "  ✓ test (linux)  ",
           "    ↷ build/package  skipped: when: matrix.os == \"windows\" is false\n",
           "    ↷ publish  skipped: when: event.branch == \"release\" is false\n",
           "  ↷ deploy  skipped: every stage is skipped\n    ↷ push  skipped: when: event.tag != \"\" is false\n",
           "  ↷ test (mac)  skipped: excluded by { os = \"mac\" }\n"})
    EXPECT_TRUE(contains(plain.output, line)) << "no \"" << line << "\" in:\n" << plain.output;
}

TEST_F(RunCommand, MultiFileSkipsBuildWhenLintFails) {
  use_example("multi-file");
  write("src/b.txt", "part\ttwo\n");
  auto result = run_json("--branch main --changed src/b.txt", 1);
  EXPECT_EQ(result["pipelines"][0]["status"], "failure");
  EXPECT_EQ(result["pipelines"][1]["name"], "build");
  EXPECT_EQ(result["pipelines"][1]["status"], "skipped");
}

TEST_F(RunCommand, DefaultEventIsAPushOfTheCurrentBranchWithTheLastCommitsFiles) {
  use_example("multi-file");
  std::string git = "cd " + quote(repo.path().string()) +
                    " && export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t "
                    "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t && ";
  ASSERT_EQ(shell(git + "git init -q -b release/1 && git add . && git commit -qm one").exit_code, 0);
  // One commit: all its files changed, so build runs on release/1.
  EXPECT_EQ(pipeline_names(run_json("", 0)), (std::vector<std::string>{"lint", "build"}));
  ASSERT_EQ(shell(git + "echo more >> src/README.md && git commit -qam two").exit_code, 0);
  // Now only README.md changed: build's path filter leaves it out.
  EXPECT_EQ(pipeline_names(run_json("", 0)), (std::vector<std::string>{"lint"}));
}

// Each matrix instance works in a copy of its own: none reads the other's
// file, and the directory run stays as it was.
TEST_F(RunCommand, AMatrixOfTwoWritesAndReadsItsOwnFiles) {
  write(".factory/ci.hcl", R"HCL(pipeline "pair" {
  matrix {
    name = ["a", "b"]
  }
  stage "write" {
    exec "own" {
      run = "echo ${matrix.name} > ${matrix.name}.txt; sleep 0.5; echo I wrote ${matrix.name}, I read $(cat *.txt)"
    }
  }
})HCL");
  auto outcome = run_plain("");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[pair (a)/write/own] I wrote a, I read a\n")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[pair (b)/write/own] I wrote b, I read b\n")) << outcome.output;
  EXPECT_FALSE(fs::exists(repo.path() / "a.txt") || fs::exists(repo.path() / "b.txt"));
  EXPECT_TRUE(fs::is_empty(scratch.path())) << "the workspaces are gone";
}

// What people test locally: the working tree as it is, uncommitted changes
// and new files included, without what git ignores or .git itself.
TEST_F(RunCommand, ExecutionsRunInACopyOfTheWorkingTree) {
  write(".factory/ci.hcl", R"(pipeline "look" {
  stage "look" {
    exec "files" {
      run = "cat tracked.txt new.txt; ls -A; echo written > output.txt"
    }
  }
})");
  write("tracked.txt", "committed\n");
  write(".gitignore", "build/\n");
  std::string git = "cd " + quote(repo.path().string()) +
                    " && export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t "
                    "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t && ";
  ASSERT_EQ(shell(git + "git init -q -b main && git add . && git commit -qm one").exit_code, 0);
  write("tracked.txt", "changed, not committed\n");
  write("new.txt", "not even added\n");
  write("build/output.o", "ignored\n");

  auto outcome = run_plain("--changed tracked.txt");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  for (const char* line : {"changed, not committed", "not even added", ".factory", ".gitignore", "new.txt",
                           "tracked.txt"})
    EXPECT_TRUE(contains(outcome.output, "[look/look/files] " + std::string{line} + "\n")) << line << outcome.output;
  EXPECT_FALSE(contains(outcome.output, "[look/look/files] build\n")) << outcome.output;
  EXPECT_FALSE(contains(outcome.output, "[look/look/files] .git\n")) << outcome.output;
  EXPECT_FALSE(fs::exists(repo.path() / "output.txt"));

  // Asked for: in the directory itself.
  outcome = run_plain("--changed tracked.txt --in-place");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[look/look/files] build\n")) << outcome.output;
  EXPECT_EQ(repo.read("output.txt"), "written\n");
}

// hashfiles() hashes the directory's files, as docs/configuration.md's
// shell lines do: the execution runs them on its copy and compares.
TEST_F(RunCommand, HashfilesHashesTheFilesAsTheDocumentationSays) {
  write(".factory/ci.hcl", R"hcl(pipeline "keys" {
  stage "s" {
    exec "compare" {
      run = <<-EOT
        documented=$(for f in a.txt lib/b.txt; do
          printf '%s\0%s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)"
        done | sha256sum | cut -c1-64)
        test "${hashfiles("a.txt", "lib/*.txt", "!lib/*.tmp")}" = "$documented" && echo "same: $documented"
        test "${hashfiles("missing/**")}" = "" && echo "none: empty"
      EOT
    }
  }
})hcl");
  write("a.txt", "alpha\n");
  write("lib/b.txt", "beta\n");
  write("lib/c.tmp", "left out\n");
  const Outcome outcome = run_plain("--branch main");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[keys/s/compare] same: ")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[keys/s/compare] none: empty")) << outcome.output;
}

// A deploy pipeline for manual runs, echoing its inputs.
const char* const kDeployInputs =
    "input \"environment\" {\n  options = [\"staging\", \"production\"]\n  default = \"staging\"\n}\n"
    "input \"replicas\" {\n  type = number\n  default = 1\n}\n"
    "pipeline \"deploy\" {\n  filter { events = [\"manual\"] }\n"
    "  stage \"s\" {\n    exec \"e\" { run = \"echo to ${input.environment} x${input.replicas * 2}\" }\n  }\n}\n";

TEST_F(RunCommand, InputsGoToAManualRun) {
  write(".factory/ci.hcl", kDeployInputs);
  const Outcome chosen = run_plain("--branch main --input environment=production --input replicas=3");
  EXPECT_EQ(chosen.exit_code, 0) << chosen.output;
  EXPECT_TRUE(contains(chosen.output, "for manual to main with environment=production, replicas=3")) << chosen.output;
  EXPECT_TRUE(contains(chosen.output, "to production x6")) << chosen.output;
  const Outcome defaults = run_plain("--branch main --event manual");
  EXPECT_EQ(defaults.exit_code, 0) << defaults.output;
  EXPECT_TRUE(contains(defaults.output, "to staging x2")) << defaults.output;
}

TEST_F(RunCommand, WrongInputsAreRefusedNamingTheInput) {
  write(".factory/ci.hcl", kDeployInputs);
  const Outcome wrong = run_plain("--branch main --input environment=prod --input replicas=many --input colour=red");
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_TRUE(
      contains(wrong.output, "error: input \"environment\": \"prod\" is not one of \"staging\", \"production\""))
      << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "error: input \"replicas\": \"many\" is not a number")) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "error: input \"colour\" is not declared in .factory/")) << wrong.output;
  EXPECT_FALSE(contains(wrong.output, "running")) << wrong.output;
  const Outcome malformed = run_plain("--input environment");
  EXPECT_NE(malformed.exit_code, 0);
  EXPECT_TRUE(contains(malformed.output, "--input takes NAME=VALUE")) << malformed.output;
  const Outcome push = run_plain("--event push --input environment=production");
  EXPECT_NE(push.exit_code, 0);
  EXPECT_TRUE(contains(push.output, "inputs are given to manual runs")) << push.output;
}

TEST_F(RunCommand, CtrlCCancelsAndLeavesNothingRunning) {
  write(".factory/ci.hcl", R"(pipeline "long" {
  stage "wait" {
    exec "sleeper" {
      run = "echo waiting; sleep 60"
    }
  }
})");
  // One SIGINT, as a terminal's Ctrl-C gives: without --foreground, timeout
  // signals its own process group too, and a second signal ends at once.
  auto outcome = shell("timeout --foreground --preserve-status -s INT 1.5 " + factory_run("") + " 2>&1");
  EXPECT_FALSE(contains(outcome.output, "a second stop signal")) << outcome.output;
  EXPECT_EQ(outcome.exit_code, 130) << outcome.output;
  EXPECT_LT(outcome.seconds, 10.0);
  EXPECT_TRUE(contains(outcome.output, "cancelled")) << outcome.output;
  EXPECT_EQ(processes_in(repo.path()) + processes_in(scratch.path()), 0);
}

TEST_F(RunCommand, LiveViewDrawsTheTreeOnATerminal) {
  write(".factory/ci.hcl", R"(pipeline "live" {
  stage "quick" {
    exec "done-soon" {
      run = "echo first line"
    }
  }
  stage "slow" {
    exec "sleeper" {
      run = "sleep 4"
    }
  }
})");
  std::string socket = "factory-test-" + std::to_string(getpid());
  std::string tmux = "tmux -L " + socket + " ";
  ASSERT_EQ(shell(tmux + "new-session -d -s run -x 100 -y 30 " + quote(factory_run("") + "; sleep 60")).exit_code, 0);
  std::string screen;
  for (int i = 0; i < 100 && !contains(screen, "● sleeper"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    screen = shell(tmux + "capture-pane -p -t run").output;
  }
  EXPECT_TRUE(contains(screen, "● live")) << screen;
  EXPECT_TRUE(contains(screen, "  ✓ quick")) << screen;
  EXPECT_TRUE(contains(screen, "    ✓ done-soon")) << screen;
  EXPECT_TRUE(contains(screen, "    ● sleeper")) << screen;
  EXPECT_TRUE(contains(screen, "[live/quick/done-soon] first line")) << screen;
  for (int i = 0; i < 150 && !contains(screen, "run success"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    screen = shell(tmux + "capture-pane -p -t run").output;
  }
  EXPECT_TRUE(contains(screen, "✓ live")) << screen;
  EXPECT_TRUE(contains(screen, "    ✓ sleeper  4.")) << screen;
  EXPECT_FALSE(contains(screen, "● sleeper")) << "the running tree is redrawn in place: " << screen;
  shell(tmux + "kill-server");
}

// Caches and artifacts of local runs (README.md, "Caches and artifacts of
// local runs"): a miss saved, then a hit; --no-cache; the artifacts kept
// and where.
class RunCaches : public RunCommand {
 protected:
  RunCaches() {
    write(".factory/ci.hcl", clitest::npm_cache_pipeline());
    write("package-lock.json", "{\"lockfileVersion\": 3}\n");
  }
  Outcome run_cached(const std::string& flags = "") {
    return run_plain("--branch main --cache-dir " + quote(cache.path().string()) + " --artifacts-dir " +
                     quote(kept.path().string()) + " " + flags);
  }

  TempDir cache, kept;
};

TEST_F(RunCaches, TheSecondRunRestoresWhatTheFirstSaved) {
  const Outcome first = run_cached();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(contains(first.output, "[ci/build/deps] cache npm: miss\n")) << first.output;
  EXPECT_TRUE(contains(first.output, "[ci/build/deps] cache npm: miss, saved npm-")) << first.output;
  EXPECT_TRUE(contains(first.output, "[ci/build/deps] fetched\n"));

  const Outcome second = run_cached();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_TRUE(contains(second.output, "[ci/build/deps] cache npm: hit npm-")) << second.output;
  EXPECT_TRUE(contains(second.output, "[ci/build/deps] reused\n")) << second.output;
  EXPECT_TRUE(contains(second.output, "[ci/build/deps] fetched\n")) << "~/.npm came back too";

  write("package-lock.json", "{\"lockfileVersion\": 3, \"changed\": true}\n");
  const Outcome changed = run_cached();
  EXPECT_TRUE(contains(changed.output, "[ci/build/deps] cache npm: miss\n")) << "a new lock file, a new key";
}

TEST_F(RunCaches, NoCacheRestoresAndSavesNothing) {
  ASSERT_EQ(run_cached().exit_code, 0);
  const Outcome uncached = run_cached("--no-cache");
  EXPECT_TRUE(contains(uncached.output, "[ci/build/deps] cache npm: miss\n")) << uncached.output;
  EXPECT_TRUE(contains(uncached.output, "not saved: caches are off (--no-cache)")) << uncached.output;
}

TEST_F(RunCaches, TheArtifactsAreKeptAndTheirFolderPrinted) {
  const Outcome outcome = run_cached();
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "[ci/build/deps] artifacts: kept 1 file (7 B): dist/app.js\n")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "artifacts: 1 file kept in " + kept.path().string())) << outcome.output;
  std::ifstream file(kept.path() / "ci/build/deps/dist/app.js");
  std::string text;
  std::getline(file, text);
  EXPECT_EQ(text, "bundle");
  EXPECT_TRUE(fs::is_empty(scratch.path())) << "the workspaces and homes are gone";
}

}  // namespace
