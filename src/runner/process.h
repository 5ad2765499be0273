// Starting a child in a process group of its own with its output on pipes,
// and waiting for it without blocking cancellation.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace runner {

using SteadyTime = std::chrono::steady_clock::time_point;

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;
};

// A started child. Its pid is also its process group id. Owns the pidfd.
class ChildProcess {
 public:
  ChildProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  enum class Wake { Exited, Deadline, Cancelled };
  // Waits until the child exits, the deadline passes or cancel_fd (-1: none)
  // becomes readable. The child is not reaped, so its pid stays reserved.
  Wake wait(std::optional<SteadyTime> deadline, int cancel_fd) const;
  // Whether the child has exited, at once and without reaping it.
  bool exited() const;
  // Reaps the child (waiting for it) and returns its wait status.
  int reap();

 private:
  pid_t pid_;
  int pidfd_;
  bool reaped_ = false;
};

struct SpawnedChild {
  std::unique_ptr<ChildProcess> process;
  int stdout_fd = -1;  // read ends, owned by the caller
  int stderr_fd = -1;
};

// Starts argv in a new process group, stdin /dev/null, stdout and stderr on
// fresh pipes, every signal at its default. Throws std::system_error.
SpawnedChild spawn_in_new_group(const SpawnRequest& request);

// Runs a helper command to its end with all output discarded; gives up
// (killing it) after the timeout. Returns its exit code, or -1.
int run_quietly(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Exit code as shells report it: a death by signal N is 128 + N.
int exit_code_of(int wait_status);
int signal_of(int wait_status);  // 0 unless killed by a signal

// The absolute path of `program` found in $PATH, or empty.
std::string find_in_path(const std::string& program);

}  // namespace runner
