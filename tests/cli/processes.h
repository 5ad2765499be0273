// Processes for tests that start real servers and agents: a child in a
// process group of its own, stopped with everything it started, a look at
// /proc to find what is still running, and a free port to give a server.
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace clitest {

using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passes; says which.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds interval = 20ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return true;
}

// A loopback port nobody listens on now (git daemon and socat cannot pick their own).
inline std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

// The port a process announced with a line "<announcement>PORT" in `log`
// (after byte `from`), once the whole line is there: the log may be read
// while the process writes it. Waits up to `timeout`; throws if none came.
inline std::uint16_t announced_port(const std::filesystem::path& log, const std::string& announcement,
                                    std::chrono::milliseconds timeout, std::size_t from = 0) {
  const auto read = [&] {
    std::ifstream file(log);
    return std::string(std::istreambuf_iterator<char>(file), {});
  };
  std::string text;
  std::size_t at = std::string::npos;
  const bool announced = wait_until(
      [&] {
        text = read();
        at = text.find(announcement, from);
        return at != std::string::npos && text.find('\n', at) != std::string::npos;
      },
      timeout);
  if (!announced) throw std::runtime_error(log.filename().string() + " announced no port:\n" + text);
  return static_cast<std::uint16_t>(std::stoi(text.substr(at + announcement.size())));
}

struct ProcessInfo {
  pid_t pid = 0;
  pid_t parent = 0;
  pid_t group = 0;
  std::string command;  // /proc/PID/comm
  std::filesystem::path cwd;
};

// Every process of this user that has not exited (zombies are left out: they
// run nothing, and whoever adopted them reaps them when it likes).
inline std::vector<ProcessInfo> live_processes() {
  std::vector<ProcessInfo> processes;
  std::error_code error;  // processes come and go while we read: no exceptions
  for (std::filesystem::directory_iterator entry("/proc", error), end; !error && entry != end;
       entry.increment(error)) {
    const std::string name = entry->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat;
    try {  // libstdc++ throws when the process ends during the read (ESRCH)
      std::ifstream stat_file(entry->path() / "stat");
      stat.assign(std::istreambuf_iterator<char>(stat_file), {});
    } catch (const std::ios_base::failure&) {
      continue;
    }
    const auto after_command = stat.rfind(')');
    if (after_command == std::string::npos) continue;  // gone meanwhile
    std::istringstream fields(stat.substr(after_command + 1));
    char state = 0;
    ProcessInfo process;
    fields >> state >> process.parent >> process.group;
    if (state == 'Z' || state == 'X') continue;
    process.pid = std::stoi(name);
    std::ifstream(entry->path() / "comm") >> process.command;
    std::error_code ignored;
    process.cwd = std::filesystem::read_symlink(entry->path() / "cwd", ignored);
    processes.push_back(std::move(process));
  }
  return processes;
}

inline bool group_alive(pid_t group) {
  for (const auto& process : live_processes())
    if (process.group == group) return true;
  return false;
}

// Live processes working in `dir` or below it.
inline std::vector<ProcessInfo> processes_under(const std::filesystem::path& dir) {
  std::vector<ProcessInfo> found;
  const std::string prefix = dir.string() + "/";
  for (auto& process : live_processes()) {
    const std::string cwd = process.cwd.string() + "/";
    if (cwd.starts_with(prefix)) found.push_back(std::move(process));
  }
  return found;
}

// The nearest live ancestor of `pid` named `command`, or 0.
inline pid_t ancestor_named(pid_t pid, const std::string& command) {
  const auto processes = live_processes();
  const auto find = [&](pid_t wanted) {
    return std::find_if(processes.begin(), processes.end(), [&](const auto& each) { return each.pid == wanted; });
  };
  for (auto it = find(pid); it != processes.end(); it = find(it->parent))
    if (it->pid != pid && it->command == command) return it->pid;
  return 0;
}

// SIGKILL to every process working below `dir`, until none is left.
inline void kill_processes_under(const std::filesystem::path& dir) {
  wait_until(
      [&] {
        auto left = processes_under(dir);
        for (const auto& process : left) kill(process.pid, SIGKILL);
        return left.empty();
      },
      5s);
}

// A child process, leader of a new process group, with stdin from /dev/null,
// stdout and stderr appended to `log`, and no other descriptor. Stopping it stops its group: what
// it started and did not move elsewhere goes too. It gets SIGTERM should the
// test die first, so that a crashed test leaves no server behind.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::filesystem::path& log,
          const std::vector<std::string>& extra_environment = {}) {
    std::vector<std::string> env = environment_with(extra_environment);
    std::vector<char*> argv_pointers = pointers(argv), env_pointers = pointers(env);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("cannot fork: " + std::string{std::strerror(errno)});
    if (pid_ == 0) {  // only async-signal-safe calls from here on
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);  // the test died already
      const int input = open("/dev/null", O_RDONLY), output = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (input < 0 || output < 0 || dup2(input, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0) _exit(127);
      close_range(3, ~0U, 0);  // the test's own descriptors are none of its business
      execvpe(argv_pointers[0], argv_pointers.data(), env_pointers.data());
      _exit(127);
    }
    setpgid(pid_, pid_);  // also here, so that stop() finds the group even before the child ran
  }
  ~Process() {
    try {
      stop();
    } catch (const std::exception& error) {  // a destructor must not throw: say it, go on
      std::fprintf(stderr, "stopping process %d: %s\n", static_cast<int>(pid_), error.what());
    } catch (...) {
      std::fprintf(stderr, "stopping process %d failed\n", static_cast<int>(pid_));
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // `signal` to the group, SIGKILL to what is left of it after `grace`.
  void stop(int signal = SIGTERM, std::chrono::milliseconds grace = 10s) {
    if (pid_ <= 0) return;
    kill(-pid_, signal);
    if (!wait_until([this] { return !group_alive(pid_); }, grace)) {
      kill(-pid_, SIGKILL);
      wait_until([this] { return !group_alive(pid_); }, 5s);
    }
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

 private:
  static std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry; ++entry) {
      const std::string_view variable{*entry};
      const auto overridden = [&](const std::string& added) {
        return variable.starts_with(added.substr(0, added.find('=') + 1));
      };
      if (std::none_of(extra.begin(), extra.end(), overridden)) env.emplace_back(variable);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }
  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& text : strings) result.push_back(text.data());
    result.push_back(nullptr);
    return result;
  }

  pid_t pid_ = 0;
};

}  // namespace clitest
