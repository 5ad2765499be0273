// Red team: a build tries to escape to the server's secrets (issue's attack 1).
//
// A real `factory server` with its default local provisioner, run as an
// unprivileged user (nobody, through setpriv, when the test runs as root),
// with a canary variable and a database password in its environment. Its
// build is hostile: it reads the admin token (by relative path from its
// workspace and by absolute path), the secrets key and the database, the
// environ and cmdline of every process it can see in /proc, its own
// environment, and another build's workspace and environment while that
// build runs; and it prints all it found. The build must have run to its
// end, and its log must hold none of those secrets. The same build runs in a
// container (`image`). A control run with --unsandboxed shows the same
// script does find the secrets when nothing stops it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "busybox_image.h"
#include "cli/ci_server.h"

namespace {

using namespace clitest;
using nlohmann::json;

constexpr uid_t kNobody = 65534;

std::string random_hex(std::size_t bytes) {
  std::random_device random;
  std::string text;
  for (std::size_t i = 0; i < bytes; ++i) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned>(random() & 0xff));
    text += byte;
  }
  return text;
}

std::string hex_of(const std::string& bytes) {
  std::string text;
  for (unsigned char c : bytes) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", c);
    text += byte;
  }
  return text;
}

// The build's script (its branch in ROLE_BRANCH, which containers get too).
// On the branch `victim` it keeps a secret in its
// workspace and environment and waits; anywhere else it attacks, printing
// what it reads (text as is, and every file's bytes in hex too).
std::string attack_script(const fs::path& data_dir, const fs::path& work_dir, const fs::path& root) {
  const std::string data = data_dir.string(), work = work_dir.string();
  return R"SH(set +e
if [ "$ROLE_BRANCH" = victim ]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > victim.secret
  VICTIM_ENV_SECRET=$(cat victim.secret); export VICTIM_ENV_SECRET
  echo "VICTIM-SECRET=$VICTIM_ENV_SECRET"
  sleep 120
  exit 0
fi
echo ATTACK-START uid=$(id -u) pwd=$(pwd)
try() {
  echo "== $1"
  cat "$1" 2>&1 | head -c 2000; echo
  od -An -tx1 "$1" 2>&1 | head -c 200000 | tr -d ' \n'; echo
}
for f in ../../../admin.token ../../../data/admin.token ../../admin.token ../../../../data/admin.token \
         )SH" + data + "/admin.token " + data + "/secrets.key " + data + R"SH(/factory.db; do
  try "$f"
done
echo "== my environment"; env
echo "== processes"
for p in /proc/[0-9]*; do
  echo "-- $p: $(tr '\0' ' ' < $p/cmdline 2>&1)"
  tr '\0' '\n' < $p/environ 2>&1
done
echo "== other workspaces"
ls -la .. ../.. )SH" + work + " " + data + R"SH( 2>&1
for f in ../*/victim.secret ../../*/*/victim.secret )SH" + work + "/*/*/victim.secret; do try \"$f\"; done\n" +
         "find " + root.string() + R"SH( -name victim.secret 2>/dev/null | while read f; do try "$f"; done
echo ATTACK-END
)SH";
}

class BuildEscapeTest : public CiServer {
 protected:
  // The victim is cancelled, so that its agent stops it: a container would
  // outlive an agent killed with the server.
  ~BuildEscapeTest() override {
    if (victim_.empty()) return;
    try {
      api("POST", "/api/v1/workflows/" + victim_ + "/cancel");
      wait_for_end(victim_, 60s);
    } catch (const std::exception& error) {
      ADD_FAILURE() << "the victim did not stop: " << error.what();
    }
  }

  // The repository: one pipeline running attack.sh, in `image` if given.
  std::string create_attack_repository(const std::string& image = {}) {
    write_file("attack.sh", attack_script(data_dir(), work_dir(), root()));
    write_file(".factory/ci.hcl", "pipeline \"job\" {\n  stage \"only\" {\n    exec \"step\" {\n" +
                                      (image.empty() ? "" : "      image = \"" + image + "\"\n") +
                                      "      env = { ROLE_BRANCH = event.branch }\n      run = \"sh attack.sh\"\n"
                                      "    }\n  }\n}\n");
    const std::string sha = create_repository();
    push(sha + ":refs/heads/victim");
    return sha;
  }

  // The server, as nobody when the test may make it so, with secrets in its environment.
  void start_server_with_secrets(bool as_nobody, const std::vector<std::string>& flags = {}) {
    server_environment_ = {"FACTORY_TEST_CANARY=" + canary_, "PGPASSWORD=" + database_password_,
                           "FACTORY_DATABASE_PASSWORD=" + database_password_};
    if (as_nobody && geteuid() == 0) {
      const fs::path home = root() / "home";
      fs::create_directories(home);
      ASSERT_EQ(chown(root().c_str(), kNobody, kNobody), 0);
      ASSERT_EQ(chown(home.c_str(), kNobody, kNobody), 0);
      server_environment_.push_back("HOME=" + home.string());
      server_wrapper_ = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
    }
    start(flags);
  }

  // Runs the victim, then, while it waits, the attacker; the attacker's log
  // and the victim's secret.
  void run_attack(const std::string& sha) {
    victim_ = push_hook("refs/heads/victim", sha);
    const std::string& victim = victim_;
    ASSERT_TRUE(wait_until(
        [&] {
          const json execution = first_execution(workflow(victim), "job");
          if (execution.is_null()) return false;
          const std::string text = log(execution);
          const auto at = text.find("VICTIM-SECRET=");
          if (at == std::string::npos) return false;
          victim_secret_ = text.substr(at + 14, 48);
          return true;
        },
        60s, 100ms))
        << "the victim did not start:\n" << workflow(victim).dump(1);
    ASSERT_EQ(victim_secret_.size(), 48u);
    const json attacker = wait_for_end(push_hook("refs/heads/main", sha), 90s);
    ASSERT_EQ(workflow(victim)["status"], "running") << "the victim must run while the attacker looks for it";
    attack_log_ = log(first_execution(attacker, "job"));
  }

  // What the attacker must not have found; and that it ran to its end.
  void expect_nothing_found() {
    ASSERT_NE(attack_log_.find("ATTACK-START"), std::string::npos) << attack_log_;
    ASSERT_NE(attack_log_.find("ATTACK-END"), std::string::npos) << attack_log_;
    const std::string admin_token = trimmed(read_file(fs::path{data_dir()} / "admin.token"));
    const std::string key = read_file(fs::path{data_dir()} / "secrets.key");
    ASSERT_FALSE(admin_token.empty());
    ASSERT_EQ(key.size(), 32u);
    EXPECT_FALSE(contains(attack_log_, admin_token)) << "the admin token leaked";
    EXPECT_FALSE(contains(attack_log_, hex_of(admin_token))) << "the admin token leaked";
    EXPECT_FALSE(contains(attack_log_, hex_of(key))) << "the secrets key leaked";
    EXPECT_FALSE(contains(attack_log_, hex_of("SQLite format 3"))) << "the database leaked";
    EXPECT_FALSE(contains(attack_log_, "SQLite format 3")) << "the database leaked";
    EXPECT_FALSE(contains(attack_log_, canary_)) << "the server's environment leaked";
    EXPECT_FALSE(contains(attack_log_, database_password_)) << "the server's environment leaked";
    EXPECT_FALSE(contains(attack_log_, "FACTORY_AGENT_TOKEN")) << "an agent's token leaked";
    EXPECT_FALSE(contains(attack_log_, victim_secret_)) << "the other build's workspace or environment leaked";
    if (HasFailure()) std::cerr << "the attacker's log:\n" << attack_log_;
  }

  const std::string canary_ = "canary-" + random_hex(16);
  const std::string database_password_ = "db-password-" + random_hex(16);
  std::string victim_;  // its workflow
  std::string victim_secret_;
  std::string attack_log_;
};

TEST_F(BuildEscapeTest, ASandboxedBuildFindsNoSecretOfTheServerItsAgentsOrAnotherBuild) {
  const std::string sha = create_attack_repository();
  start_server_with_secrets(true);
  run_attack(sha);
  expect_nothing_found();
}

TEST_F(BuildEscapeTest, ABuildInAContainerFindsNothingEither) {
  ASSERT_TRUE(testpaths::ensure_busybox_image()) << "podman, runc and busybox-static come from scripts/setup.sh";
  const std::string sha = create_attack_repository(testpaths::kBusyboxImage);
  // podman's images are the test user's: the server runs as that user here.
  start_server_with_secrets(false);
  run_attack(sha);
  expect_nothing_found();
}

// The control: with --unsandboxed the same script finds the admin token and
// the other build's secret, so the tests above would see a sandbox that lets
// it out. It sees the server and the agents in /proc too, but even then not
// their environment: they are not dumpable.
TEST_F(BuildEscapeTest, UnsandboxedTheSameBuildFindsTheServersSecretsButNotItsEnvironment) {
  const std::string sha = create_attack_repository();
  start_server_with_secrets(true, {"--unsandboxed"});
  run_attack(sha);
  ASSERT_NE(attack_log_.find("ATTACK-END"), std::string::npos) << attack_log_;
  EXPECT_TRUE(contains(attack_log_, trimmed(read_file(fs::path{data_dir()} / "admin.token"))));
  EXPECT_TRUE(contains(attack_log_, victim_secret_));
  // The victim's agent, in sight and listed, but closed.
  const auto sleeps = running("sleep");
  ASSERT_FALSE(sleeps.empty());
  const pid_t agent = ancestor_named(sleeps.front().pid, "factory-agent");
  ASSERT_NE(agent, 0);
  const std::string proc = "/proc/" + std::to_string(agent);
  EXPECT_TRUE(contains(attack_log_, "-- " + proc + ": " + testpaths::factory_binary().parent_path().string() +
                                        "/factory-agent --unsandboxed --once"));
  EXPECT_TRUE(contains(attack_log_, "cannot open " + proc + "/environ: Permission denied"));
  EXPECT_FALSE(contains(attack_log_, canary_)) << attack_log_;
  EXPECT_FALSE(contains(attack_log_, database_password_));
  EXPECT_FALSE(contains(attack_log_, "FACTORY_AGENT_TOKEN"));
  EXPECT_TRUE(contains(server_log(), "WARNING: --unsandboxed")) << server_log();
  if (HasFailure()) std::cerr << "the attacker's log:\n" << attack_log_;
}

}  // namespace
