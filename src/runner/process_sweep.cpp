#include "runner/process_sweep.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace runner {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kKillWait = std::chrono::seconds(5);

struct ProcStat {
  char state = '?';
  pid_t parent = 0;
  pid_t group = 0;
};

// Fields of /proc/PID/stat after the command name (which may hold spaces).
bool read_stat(pid_t pid, ProcStat& stat) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(file, text)) return false;
  auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return false;
  std::istringstream fields(text.substr(close_paren + 1));
  return static_cast<bool>(fields >> stat.state >> stat.parent >> stat.group);
}

bool has_tag(pid_t pid, const std::string& tag) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  const std::string wanted = std::string(kProcessTagVariable) + "=" + tag;
  for (std::string entry; std::getline(file, entry, '\0');)
    if (entry == wanted) return true;
  return false;
}

template <typename Visit>
void for_each_pid(Visit visit) {
  DIR* dir = opendir("/proc");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end == '\0' && pid > 0) visit(static_cast<pid_t>(pid));
  }
  closedir(dir);
}

}  // namespace

void become_subreaper() {
  static std::once_flag once;
  std::call_once(once, [] { prctl(PR_SET_CHILD_SUBREAPER, 1); });
}

int signal_execution_processes(const ExecutionProcesses& processes, int signo) {
  const pid_t self = getpid();
  int signalled = 0;
  for_each_pid([&](pid_t pid) {
    if (pid == self) return;
    ProcStat stat;
    if (!read_stat(pid, stat)) return;
    bool ours = stat.group == processes.group || (stat.state != 'Z' && has_tag(pid, processes.tag));
    if (!ours) return;
    if (stat.state == 'Z') {
      // An orphan adopted by this subreaper: reap it. Others' zombies are
      // their parents' business.
      if (stat.parent == self && pid != processes.leader) waitpid(pid, nullptr, WNOHANG);
      return;
    }
    if (kill(pid, signo) == 0) ++signalled;
  });
  return signalled;
}

void sweep_execution_processes(const ExecutionProcesses& processes,
                               std::chrono::milliseconds grace) {
  if (signal_execution_processes(processes, SIGTERM) == 0) return;
  auto kill_at = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < kill_at) {
    std::this_thread::sleep_for(kPollInterval);
    if (signal_execution_processes(processes, 0) == 0) return;
  }
  auto give_up = std::chrono::steady_clock::now() + kKillWait;
  while (signal_execution_processes(processes, SIGKILL) > 0 &&
         std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(kPollInterval);
}

}  // namespace runner
