// The local provisioner: one agent child process per workflow.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "core/environment.h"
#include "orchestrator/provisioner.h"

namespace orchestrator {

namespace {

struct Child {
  pid_t pid = 0;
  std::string agent_name;
};

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

// The environment of this process, with the agent's token added; passing
// the token in the environment keeps it out of `ps`.
std::vector<std::string> agent_environment(const std::string& token) {
  std::vector<std::string> env = core::inherited_environment();
  env.push_back(std::string{core::kAgentTokenVariable} + "=" + token);
  return env;
}

// Agents are not killed when the server stops: they finish their workflow
// and report to the next server.
class LocalProvisioner final : public Provisioner {
 public:
  explicit LocalProvisioner(LocalOptions options) : options_{std::move(options)} {}

  std::string name() const override { return "local"; }
  std::size_t capacity() const override {
    return children_.size() >= options_.max_agents ? 0 : options_.max_agents - children_.size();
  }
  std::size_t running() const override { return children_.size(); }

  bool provision(const AgentLaunch& launch, std::string& error) override {
    const std::filesystem::path folder = std::filesystem::path{options_.work_dir} / launch.agent_name;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
      error = "cannot create " + folder.string() + ": " + ec.message();
      return false;
    }
    std::vector<std::string> argv = options_.agent_command;
    argv.insert(argv.end(), {"--once", "--server", launch.server_url, "--work-dir", folder.string()});
    std::vector<std::string> env = agent_environment(launch.token);
    const std::string log = (std::filesystem::path{options_.work_dir} / (launch.agent_name + ".log")).string();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int failed = posix_spawn(&pid, argv.front().c_str(), &actions, nullptr, core::exec_pointers(argv).data(),
                                   core::exec_pointers(env).data());
    posix_spawn_file_actions_destroy(&actions);
    if (failed) {
      error = "cannot start " + argv.front() + ": " + std::strerror(failed);
      return false;
    }
    children_[launch.workflow_id] = {pid, launch.agent_name};
    return true;
  }

  void stop(const std::string& workflow_id) override {
    auto it = children_.find(workflow_id);
    if (it != children_.end()) kill(it->second.pid, SIGTERM);  // the agent cancels its run and reports
  }

  std::vector<AgentExit> reap() override {
    std::vector<AgentExit> exits;
    for (auto it = children_.begin(); it != children_.end();) {
      int status = 0;
      if (waitpid(it->second.pid, &status, WNOHANG) != it->second.pid) {
        ++it;
        continue;
      }
      const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      exits.push_back({it->first, it->second.agent_name, describe_wait_status(status), clean});
      it = children_.erase(it);
    }
    return exits;
  }

 private:
  LocalOptions options_;
  std::map<std::string, Child> children_;  // by workflow id
};

class PoolProvisioner final : public Provisioner {
 public:
  std::string name() const override { return "pool"; }
  std::size_t capacity() const override { return 0; }
  std::size_t running() const override { return 0; }
  bool provision(const AgentLaunch&, std::string& error) override {
    error = "the pool provisioner starts no agents";
    return false;
  }
  void stop(const std::string&) override {}
  std::vector<AgentExit> reap() override { return {}; }
};

}  // namespace

std::vector<std::string> agent_command_beside(const std::filesystem::path& factory_program) {
  const std::filesystem::path agent_program = factory_program.parent_path() / "factory-agent";
  if (access(agent_program.c_str(), X_OK) == 0) return {agent_program.string()};
  return {factory_program.string(), "agent"};
}

std::unique_ptr<Provisioner> make_local_provisioner(LocalOptions options) {
  return std::make_unique<LocalProvisioner>(std::move(options));
}

std::unique_ptr<Provisioner> make_pool_provisioner() { return std::make_unique<PoolProvisioner>(); }

}  // namespace orchestrator
