// The local provisioner: one agent child process per workflow, stopped
// with everything it started (docs/agents.md, "The life of a local agent");
// and the pool provisioner, which starts nothing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "core/environment.h"
#include "core/own_children.h"
#include "orchestrator/process_tree.h"
#include "orchestrator/provisioner.h"

namespace orchestrator {

namespace {

using SteadyClock = std::chrono::steady_clock;

// After the SIGKILLs, how long stop_all waits for the kernel to end what it killed.
constexpr std::chrono::seconds kKillWait{5};
constexpr std::chrono::milliseconds kPollInterval{20};
// How often reap() looks through /proc for what dead agents left behind
// (the orchestrator may call it many times a second), besides right after
// an agent ended.
constexpr std::chrono::seconds kStrayScanInterval{1};

struct Child {
  pid_t pid = 0;  // also its process group
  std::string agent_name;
  std::optional<SteadyClock::time_point> kill_at;  // once stopped
};

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

// What an agent gets of the server's environment: what it and git need to
// run, reach the server and the repository (through a proxy) and verify
// TLS, and start containers; then its token. The server's own variables (a
// database URL with its password, cloud credentials) stay behind. The token
// goes in the environment, not argv, to keep it out of `ps`.
std::vector<std::string> agent_environment(const std::string& token) {
  std::vector<std::string> env = core::allowed_environment({
      "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR",       //
      "http_proxy", "https_proxy", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", "HTTPS_PROXY",  //
      "SSL_CERT_FILE", "SSL_CERT_DIR",                                                     //
      "XDG_RUNTIME_DIR", "DOCKER_HOST", "CONTAINER_HOST",                                  //
  });
  env.push_back(std::string{core::kAgentTokenVariable} + "=" + token);
  return env;
}

// posix_spawn's attributes and file actions for an agent, released whatever happens.
class AgentSpawn {
 public:
  explicit AgentSpawn(const std::string& log) {
    posix_spawnattr_init(&attributes_);
    // A group of its own, so that a stop reaches it and not the server; the
    // server blocks SIGTERM and SIGINT in every thread (server/stop_signals.h)
    // and the agent must not inherit that.
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes_, &all);
    posix_spawnattr_setsigmask(&attributes_, &none);
    posix_spawnattr_setpgroup(&attributes_, 0);
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions_, 1, 2);
    // Every descriptor is close-on-exec, but one opened by another thread
    // may not be flagged yet (an accepted socket): the standard streams only.
    posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
  }
  ~AgentSpawn() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  AgentSpawn(const AgentSpawn&) = delete;
  AgentSpawn& operator=(const AgentSpawn&) = delete;

  // 0, or the error number.
  int start(pid_t& pid, std::vector<std::string> argv, std::vector<std::string> env) {
    return posix_spawn(&pid, argv.front().c_str(), &actions_, &attributes_, core::exec_pointers(argv).data(),
                       core::exec_pointers(env).data());
  }

 private:
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
};

class LocalProvisioner final : public Provisioner {
 public:
  explicit LocalProvisioner(LocalOptions options) : options_{std::move(options)} {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
  ~LocalProvisioner() override { stop_all(); }

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
    const std::string log = (std::filesystem::path{options_.work_dir} / (launch.agent_name + ".log")).string();
    pid_t pid = 0;
    if (const int failed = AgentSpawn{log}.start(pid, argv, agent_environment(launch.token))) {
      error = "cannot start " + argv.front() + ": " + std::strerror(failed);
      return false;
    }
    children_[launch.workflow_id] = {pid, launch.agent_name, std::nullopt};
    return true;
  }

  // The agent cancels its run, stops its builds and exits; one that does
  // not within the grace period is killed with them at a later reap().
  void stop(const std::string& workflow_id) override {
    auto it = children_.find(workflow_id);
    if (it == children_.end() || it->second.kill_at) return;
    kill(-it->second.pid, SIGTERM);
    it->second.kill_at = SteadyClock::now() + options_.stop_grace;
  }

  std::vector<AgentExit> reap() override {
    kill_overdue();
    std::vector<AgentExit> exits;
    int status = 0;
    // Agents one by one: waitpid(-1) would also reap this process's own
    // children (core/own_children.h) from under the code waiting for them.
    for (auto it = children_.begin(); it != children_.end();) {
      if (waitpid(it->second.pid, &status, WNOHANG) != it->second.pid) {
        ++it;
        continue;
      }
      const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      exits.push_back({it->first, it->second.agent_name, describe_wait_status(status), clean});
      it = children_.erase(it);
    }
    const auto now = SteadyClock::now();
    if (!exits.empty() || now >= next_stray_scan_) {
      kill_strays();
      next_stray_scan_ = now + kStrayScanInterval;
    }
    return exits;
  }

  void stop_all() override {
    for (const auto& [workflow_id, child] : children_) stop(workflow_id);
    const auto give_up = SteadyClock::now() + options_.stop_grace + kKillWait;
    while (!children_.empty() && SteadyClock::now() < give_up) {
      reap();
      std::this_thread::sleep_for(kPollInterval);
    }
    while (kill_strays() && SteadyClock::now() < give_up) std::this_thread::sleep_for(kPollInterval);
  }

 private:
  void kill_overdue() {
    const auto now = SteadyClock::now();
    for (const auto& [workflow_id, child] : children_)
      if (child.kill_at && *child.kill_at <= now) kill_tree(child.pid);
  }

  // Children of this process that are no agent of it nor its own (git
  // reading a branch: core/own_children.h): the orphans of agents that ended
  // (a build that outlived its agent), adopted as this process is a
  // subreaper. Nothing may outlive its agent. Each is killed and reaped once
  // dead (at a later call, if it takes a while); returns whether any was left.
  bool kill_strays() {
    bool any = false;
    core::sweep_children([&](const std::function<bool(pid_t)>& is_own) {
      for (const pid_t pid : children_of(getpid())) {
        if (agent_of(pid) != children_.end() || is_own(pid)) continue;
        kill(pid, SIGKILL);
        if (waitpid(pid, nullptr, WNOHANG) != pid) any = true;
      }
    });
    return any;
  }

  std::map<std::string, Child>::iterator agent_of(pid_t pid) {
    return std::find_if(children_.begin(), children_.end(), [pid](const auto& each) { return each.second.pid == pid; });
  }

  LocalOptions options_;
  std::map<std::string, Child> children_;  // by workflow id
  SteadyClock::time_point next_stray_scan_{};
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
