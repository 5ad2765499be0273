// Re-running part of a workflow on real processes: a pool agent runs only
// what a rerun does not keep. Each execution appends its name to a file
// outside the workspace (the agent runs unsandboxed for that), so the test
// counts what really ran.
#include <algorithm>
#include <fstream>

#include "cli/ci_server.h"

namespace {

using clitest::CiServer;
using clitest::json;
using clitest::lines_of;
using namespace std::chrono_literals;

class Rerun : public CiServer {
 protected:
  // build: compile {a, b, c}, then check {d}; b fails until the file
  // `fixed` exists. report depends on build.
  void SetUp() override {
    const std::string ran = (root() / "ran").string(), fixed = (root() / "fixed").string();
    const auto exec = [&](const std::string& name, const std::string& then = "true") {
      return "    exec \"" + name + "\" {\n      run = \"echo " + name + " >> " + ran + "; echo ran " + name + "; " + then +
             "\"\n    }\n";
    };
    write_file(".factory/ci.hcl",
               "pipeline \"build\" {\n  stage \"compile\" {\n" + exec("a") + exec("b", "test -e " + fixed) + exec("c") +
                   "  }\n  stage \"check\" {\n" + exec("d") + "  }\n}\n\n"
                   "pipeline \"report\" {\n  depends_on = [\"build\"]\n  stage \"send\" {\n" + exec("e") + "  }\n}\n");
    sha_ = create_repository();
    start({"--provisioner", "pool"});
    start_pool_agents(1, {"--unsandboxed"});  // `ran` and `fixed` are outside the workspace
  }

  // What ran since the last call, sorted (executions of a stage run at once).
  std::vector<std::string> ran_since_last() {
    std::vector<std::string> lines = lines_of(clitest::read_file(root() / "ran"));
    std::vector<std::string> fresh(lines.begin() + static_cast<std::ptrdiff_t>(seen_), lines.end());
    seen_ = lines.size();
    std::sort(fresh.begin(), fresh.end());
    return fresh;
  }

  static const json& execution(const json& view, std::size_t pipeline, std::size_t stage, std::size_t index) {
    return view["pipelines"][pipeline]["stages"][stage]["executions"][index];
  }

  std::string rerun(const std::string& id, const json& body) {
    const auto reply = api("POST", "/api/v1/workflows/" + id + "/rerun", body);
    EXPECT_EQ(reply.status, 202) << reply.body;
    return reply.status == 202 ? json::parse(reply.body)["id"].get<std::string>() : std::string{};
  }

  std::string sha_;
  std::size_t seen_ = 0;
};

TEST_F(Rerun, TheFailedExecutionRunsAgainWithItsLaterStageAndDependants) {
  const std::string first = push_hook("refs/heads/main", sha_);
  const json before = wait_for_end(first);
  ASSERT_EQ(before["status"], "failure") << before.dump(1);
  EXPECT_EQ(ran_since_last(), (std::vector<std::string>{"a", "b", "c"}));

  std::ofstream{root() / "fixed"};
  const std::string second = rerun(first, {{"failed", true}});
  const json after = wait_for_end(second);
  ASSERT_EQ(after["status"], "success") << after.dump(1);
  EXPECT_EQ(ran_since_last(), (std::vector<std::string>{"b", "d", "e"})) << "a and c kept their results";
  EXPECT_EQ(after["rerun"]["selection"], "failed");
  for (std::size_t kept : {0u, 2u}) {
    const json& execution = this->execution(after, 0, 0, kept);
    EXPECT_EQ(execution["status"], "success") << execution.dump();
    EXPECT_EQ(execution["status_reason"], "kept from workflow " + first) << execution.dump();
    EXPECT_EQ(execution["kept_from"], this->execution(before, 0, 0, kept)["id"]);
    EXPECT_EQ(log(execution), "") << "a kept execution has no log of its own";
    EXPECT_NE(log(this->execution(before, 0, 0, kept)), "") << "the one it was kept from has";
  }
  const json& b = execution(after, 0, 0, 1);
  EXPECT_TRUE(b["kept_from"].is_null());
  EXPECT_EQ(b["rerun_of"], execution(before, 0, 0, 1)["id"]);
  EXPECT_EQ(execution(before, 0, 0, 1)["status"], "failure") << "the earlier attempt is left as it was";
  EXPECT_EQ(execution(after, 0, 1, 0)["status"], "success");
  EXPECT_EQ(execution(after, 1, 0, 0)["status"], "success");
}

TEST_F(Rerun, OneExecutionRunsAgainWithWhatDependsOnIt) {
  std::ofstream{root() / "fixed"};
  const std::string first = push_hook("refs/heads/main", sha_);
  const json before = wait_for_end(first);
  ASSERT_EQ(before["status"], "success") << before.dump(1);
  ran_since_last();

  const std::string d = execution(before, 0, 1, 0)["id"];
  const std::string second = rerun(first, {{"execution", d}});
  const json after = wait_for_end(second);
  ASSERT_EQ(after["status"], "success") << after.dump(1);
  EXPECT_EQ(ran_since_last(), (std::vector<std::string>{"d", "e"})) << after.dump(1);
  EXPECT_EQ(after["rerun"], (json{{"selection", "execution"}, {"execution", d}}));
  EXPECT_EQ(execution(after, 0, 1, 0)["rerun_of"], d);
  EXPECT_EQ(execution(after, 0, 0, 1)["kept_from"], execution(before, 0, 0, 1)["id"]);
}

}  // namespace
