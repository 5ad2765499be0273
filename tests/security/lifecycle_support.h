// What the lifecycle attacks look at from outside: the processes below a
// server, the descriptors each holds, and whether a descriptor would pass
// into a program the process starts.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/processes.h"

namespace lifecycle {

// The live descendants of `root`, at any depth.
inline std::vector<clitest::ProcessInfo> descendants_of(pid_t root) {
  const auto processes = clitest::live_processes();
  std::set<pid_t> below{root};
  std::vector<clitest::ProcessInfo> found;
  for (bool grew = true; grew;) {  // parents may come after their children in /proc
    grew = false;
    for (const auto& process : processes)
      if (below.contains(process.parent) && below.insert(process.pid).second) {
        found.push_back(process);
        grew = true;
      }
  }
  return found;
}

inline bool alive(pid_t pid) {
  for (const auto& process : clitest::live_processes())
    if (process.pid == pid) return true;
  return false;
}

// Descriptor number → what it is ("socket:[123]", "/path", "pipe:[9]").
inline std::map<int, std::string> descriptors_of(pid_t pid) {
  std::map<int, std::string> found;
  const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code error;
  for (std::filesystem::directory_iterator entry(dir, error), end; !error && entry != end; entry.increment(error)) {
    std::error_code ignored;
    found[std::stoi(entry->path().filename())] = std::filesystem::read_symlink(entry->path(), ignored).string();
  }
  return found;
}

// Whether descriptor `fd` of `pid` is close-on-exec (O_CLOEXEC in its
// fdinfo flags, which are octal); true when it is gone meanwhile.
inline bool close_on_exec(pid_t pid, int fd) {
  std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
  for (std::string line; std::getline(info, line);)
    if (line.starts_with("flags:")) return std::stoul(line.substr(6), nullptr, 8) & 02000000;
  return true;
}

// The descriptors of `pid` above the standard streams that a program it
// starts would inherit; a descriptor open for a moment (a file being read)
// counts only if it is still there, the same, a little later.
inline std::map<int, std::string> inheritable_descriptors(pid_t pid) {
  std::map<int, std::string> inheritable;
  for (const auto& [fd, target] : descriptors_of(pid))
    if (fd > 2 && !close_on_exec(pid, fd)) inheritable[fd] = target;
  if (inheritable.empty()) return inheritable;
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  const auto later = descriptors_of(pid);
  std::erase_if(inheritable, [&](const auto& each) {
    const auto it = later.find(each.first);
    return it == later.end() || it->second != each.second || close_on_exec(pid, each.first);
  });
  return inheritable;
}

inline std::string describe(const std::map<int, std::string>& descriptors) {
  std::string text;
  for (const auto& [fd, target] : descriptors) text += " " + std::to_string(fd) + "=" + target;
  return text;
}

}  // namespace lifecycle
