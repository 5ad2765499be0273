#include "orchestrator/process_tree.h"

#include <dirent.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace orchestrator {

namespace {

// /proc/PID/stat, or empty. Opened close-on-exec ("e"), as the server may be
// starting an agent on another thread.
std::string read_stat(const char* pid) {
  const std::string path = std::string{"/proc/"} + pid + "/stat";
  FILE* file = std::fopen(path.c_str(), "re");
  if (!file) return {};
  char buffer[1024];
  const std::size_t got = std::fread(buffer, 1, sizeof buffer, file);
  std::fclose(file);
  return {buffer, got};
}

// Every process that has not exited, keyed by its parent's pid.
std::multimap<pid_t, pid_t> children_by_parent() {
  std::multimap<pid_t, pid_t> children;
  DIR* proc = opendir("/proc");
  if (!proc) return children;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    const std::string stat = read_stat(entry->d_name);
    const auto after_name = stat.rfind(')');  // the name may hold spaces and parentheses
    if (after_name == std::string::npos) continue;  // gone meanwhile
    char state = 0;
    int parent = 0;
    if (std::sscanf(stat.c_str() + after_name + 1, " %c %d", &state, &parent) != 2 || state == 'Z' || state == 'X')
      continue;
    children.emplace(parent, static_cast<pid_t>(pid));
  }
  closedir(proc);
  return children;
}

}  // namespace

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  const auto all = children_by_parent();
  for (auto [it, end] = all.equal_range(parent); it != end; ++it) children.push_back(it->second);
  return children;
}

std::vector<pid_t> descendants_of(pid_t root) {
  const auto all = children_by_parent();
  std::vector<pid_t> found;
  std::vector<pid_t> to_visit{root};
  while (!to_visit.empty()) {
    const pid_t parent = to_visit.back();
    to_visit.pop_back();
    for (auto [it, end] = all.equal_range(parent); it != end; ++it) {
      found.push_back(it->second);
      to_visit.push_back(it->second);
    }
  }
  return found;
}

// Descendants go first: while `root` lives, what they leave behind is still
// below it (an agent is a subreaper for its builds) or comes to the caller.
void kill_tree(pid_t root) {
  for (const pid_t pid : descendants_of(root)) kill(pid, SIGKILL);
  kill(root, SIGKILL);
}

}  // namespace orchestrator
