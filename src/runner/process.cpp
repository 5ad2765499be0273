#include "runner/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <system_error>

extern char** environ;

namespace runner {

namespace {

[[noreturn]] void throw_errno(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (const auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// posix_spawn attributes and file actions, released whatever happens. The
// child keeps its standard streams only: descriptors are close-on-exec, but
// one that another thread just opened may not be flagged yet.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  void close_all_but_standard_streams() { posix_spawn_file_actions_addclosefrom_np(&actions, 3); }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// The runner's own process may block or ignore signals (the CLI does, to
// catch Ctrl-C); a child starts with everything at the default.
void reset_signals(posix_spawnattr_t& attr, bool new_group) {
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (new_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);
}

struct Pipe {
  int read_end = -1, write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) throw_errno(errno, "pipe2");
    read_end = fds[0];
    write_end = fds[1];
  }
};

std::unique_ptr<ChildProcess> adopt(pid_t pid) {
  // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) throw_errno(errno, "pidfd_open");
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  return std::make_unique<ChildProcess>(pid, pidfd);
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (!reaped_) reap();
  close(pidfd_);
}

ChildProcess::Wake ChildProcess::wait(std::optional<SteadyTime> deadline, int cancel_fd) const {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Wake::Deadline;
      timeout_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
    }
    pollfd fds[2] = {{pidfd_, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
    int ready = poll(fds, cancel_fd >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0 && errno != EINTR) throw_errno(errno, "poll");
    if (ready <= 0) continue;
    if (fds[0].revents) return Wake::Exited;
    if (fds[1].revents) return Wake::Cancelled;
  }
}

bool ChildProcess::exited() const {
  pollfd fd{pidfd_, POLLIN, 0};
  return poll(&fd, 1, 0) == 1;
}

int ChildProcess::reap() {
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  return status;
}

SpawnedChild spawn_in_new_group(const SpawnRequest& request) {
  Pipe out, err;
  SpawnSetup setup;
  reset_signals(setup.attr, true);
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write_end, STDERR_FILENO);
  if (!request.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, request.cwd.c_str());
  setup.close_all_but_standard_streams();
  auto argv = c_strings(request.argv);
  auto env = c_strings(request.env);
  pid_t pid = 0;
  int error = posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), env.data());
  close(out.write_end);
  close(err.write_end);
  if (error != 0) {
    close(out.read_end);
    close(err.read_end);
    throw_errno(error, "posix_spawn");
  }
  return {adopt(pid), out.read_end, err.read_end};
}

int run_quietly(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  SpawnSetup setup;
  reset_signals(setup.attr, true);
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  setup.close_all_but_standard_streams();
  auto args = c_strings(argv);
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ) != 0) return -1;
  auto child = adopt(pid);
  if (child->wait(std::chrono::steady_clock::now() + timeout, -1) != ChildProcess::Wake::Exited)
    kill(-pid, SIGKILL);
  int status = child->reap();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int exit_code_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

int signal_of(int wait_status) { return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0; }

std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    auto candidate = std::filesystem::path(dir) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

}  // namespace runner
