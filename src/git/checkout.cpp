#include "git/checkout.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/base64.h"
#include "core/environment.h"
#include "core/own_children.h"
#include "core/git_ref.h"

namespace git {

namespace {

// git's environment: this process's, never prompting for credentials (an
// agent has no terminal and must fail rather than hang), and with a clone
// token the header that authenticates with it, as GitHub documents for
// installation tokens (user x-access-token, the token as password).
std::vector<std::string> git_environment(const std::string& clone_token) {
  std::vector<std::string> env = core::inherited_environment();
  env.emplace_back("GIT_TERMINAL_PROMPT=0");
  env.emplace_back("GIT_ASKPASS=/bin/true");
  if (!clone_token.empty()) {
    env.emplace_back("GIT_CONFIG_COUNT=1");
    env.emplace_back("GIT_CONFIG_KEY_0=http.extraHeader");
    env.emplace_back("GIT_CONFIG_VALUE_0=Authorization: Basic " + core::base64_encode("x-access-token:" + clone_token));
  }
  return env;
}

// Files up to this size come with the first fetch: each lazy fetch of a
// partial clone is another round trip to the git server (tens of ms), which
// a small repository would otherwise pay twice, for `.factory/` and for the
// rest. Large files still wait until a pipeline needs the whole tree.
constexpr const char* kBlobFilter = "--filter=blob:limit=256k";

// Which paths changed needs commits and trees, never file contents.
constexpr const char* kNoBlobs = "--filter=blob:none";

// The first step deeper when looking for a merge base; each next one
// doubles, so that a base n commits back takes about log2(n) round trips.
constexpr int kFirstDeepening = 32;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The commit a fetch brought, from the first line of .git/FETCH_HEAD ("SHA
// <tab>..."); reading it saves starting `git rev-parse`. Empty when absent.
std::string fetched_commit(const std::filesystem::path& dir) {
  std::ifstream file(dir / ".git" / "FETCH_HEAD");
  std::string sha;
  std::getline(file, sha, '\t');
  const bool hex = !sha.empty() && sha.find_first_not_of("0123456789abcdef") == std::string::npos;
  return hex && (sha.size() == 40 || sha.size() == 64) ? sha : std::string{};
}

}  // namespace

// git runs in a process group of its own: a cancel kills the group, with
// the helpers git started (git-remote-http, index-pack).
bool Checkout::git(std::initializer_list<std::string> args, std::string& output) {
  std::vector<std::string> argv{"git", "-C", dir_.string()};
  argv.insert(argv.end(), args);
  std::vector<std::string> env = git_environment(clone_token_);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    output = std::string{"pipe: "} + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // whatever other threads have open
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  // Recorded as this process's own: a server that adopts orphans leaves it alone.
  const int failed = core::spawn_own_child(pid, [&](pid_t& child) {
    return posix_spawnp(&child, "git", &actions, &attributes, core::exec_pointers(argv).data(),
                        core::exec_pointers(env).data());
  });
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  output.clear();
  if (failed) {
    close(pipe_fds[0]);
    output = std::string{"cannot start git: "} + std::strerror(failed);
    return false;
  }
  const bool cancelled = !read_until_closed(pipe_fds[0], output);
  if (cancelled) kill(-pid, SIGKILL);
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  core::forget_own_child(pid);
  output = cancelled ? "cancelled" : trimmed(std::move(output));
  return !cancelled && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Reads git's output until git closes it (true), or until a cancel (false).
bool Checkout::read_until_closed(int fd, std::string& output) {
  pollfd watched[] = {{fd, POLLIN, 0}, {cancel_.fd(), POLLIN, 0}};
  char buffer[4096];
  for (;;) {
    if (poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return true;  // cannot wait: the read below blocks until git is done
    }
    if (watched[1].revents) return false;
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    output.append(buffer, static_cast<std::size_t>(n));
  }
}

bool Checkout::fetch(const std::string& url, const std::string& sha, const std::string& branch, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    error = "cannot create " + dir_.string() + ": " + ec.message();
    return false;
  }
  const std::string wanted = sha.empty() ? "refs/heads/" + branch : sha;
  std::string output;
  // No template: copying git's sample hooks takes longer than the rest of
  // the init, and a workspace runs no hooks.
  if (!git({"init", "--quiet", "--template="}, output) || !git({"remote", "add", "origin", url}, output) ||
      !git({"-c", "protocol.version=2", "fetch", "--quiet", "--no-tags", "--depth", "1", kBlobFilter,
            "origin", wanted},
           output)) {
    error = "git fetch of " + wanted + " from " + url + " failed: " + output;
    return false;
  }
  sha_ = fetched_commit(dir_);
  if (sha_.empty()) {
    error = "git fetch of " + wanted + " from " + url + " left no commit in .git/FETCH_HEAD";
    return false;
  }
  return true;
}

// Only .factory/ first. The pattern file is written here, where `git
// sparse-checkout set` would be one more git process (about 2 ms) writing
// the same file; check_out_all's `sparse-checkout disable` brings the rest.
bool Checkout::check_out_config(std::string& error) {
  const std::filesystem::path patterns = dir_ / ".git" / "info" / "sparse-checkout";
  std::error_code ec;
  std::filesystem::create_directories(patterns.parent_path(), ec);
  std::ofstream file(patterns);
  file << "/.factory/\n";
  if (ec || !file.flush()) {
    error = "cannot write " + patterns.string();
    return false;
  }
  std::string output;
  if (!git({"-c", "core.sparseCheckout=true", "checkout", "--quiet", "--detach", sha_}, output)) {
    error = "git checkout of .factory/ at " + sha_ + " failed: " + output;
    return false;
  }
  return true;
}

bool Checkout::check_out_all(std::string& error) {
  std::string output;
  if (!git({"sparse-checkout", "disable"}, output)) {
    error = "git checkout of " + sha_ + " failed: " + output;
    return false;
  }
  return true;
}

std::optional<std::vector<std::string>> Checkout::pull_request_changes(const std::string& target_branch,
                                                                     std::string& error) {
  if (const std::string problem = core::ref_name_problem(target_branch); !problem.empty()) {
    error = "the target branch is not a branch name: " + problem;
    return std::nullopt;
  }
  const std::string target = "refs/heads/" + target_branch;
  std::string output;
  if (!git({"-c", "protocol.version=2", "fetch", "--quiet", "--no-tags", "--depth", "1", kNoBlobs, "origin", target},
           output)) {
    error = "git fetch of " + target + " failed: " + output;
    return std::nullopt;
  }
  const std::string target_sha = fetched_commit(dir_);
  std::string base;
  if (target_sha.empty()) {
    error = "git fetch of " + target + " left no commit in .git/FETCH_HEAD";
    return std::nullopt;
  }
  if (!find_merge_base(target_sha, base, error)) return std::nullopt;
  // --no-renames: a rename changes both paths, and detecting one would
  // fetch the contents of both files.
  if (!git({"diff", "--name-only", "--no-renames", "-z", base, sha_}, output)) {
    error = "git diff of " + base + " and " + sha_ + " failed: " + output;
    return std::nullopt;
  }
  std::vector<std::string> paths;
  for (std::size_t start = 0; start < output.size();) {
    const std::size_t end = std::min(output.find('\0', start), output.size());
    if (end > start) paths.push_back(output.substr(start, end - start));
    start = end + 1;
  }
  return paths;
}

// Deepens the history of both commits until they have a common ancestor,
// or the history is whole, or kMergeBaseDepth is reached.
bool Checkout::find_merge_base(const std::string& target_sha, std::string& base, std::string& error) {
  std::string output;
  int depth = 1;
  for (int step = kFirstDeepening;; step *= 2) {
    if (git({"merge-base", sha_, target_sha}, base)) return true;
    if (cancel_.cancelled()) {
      error = "cancelled";
      return false;
    }
    if (git({"rev-parse", "--is-shallow-repository"}, output) && output == "false") {
      error = "the commit and the target branch's head " + target_sha + " have no common history";
      return false;
    }
    if (depth >= kMergeBaseDepth) {
      error = "no merge base of the commit and the target branch's head " + target_sha + " within " +
              std::to_string(kMergeBaseDepth) + " commits";
      return false;
    }
    step = std::min(step, kMergeBaseDepth - depth);
    if (!git({"-c", "protocol.version=2", "fetch", "--quiet", "--no-tags", "--deepen", std::to_string(step), kNoBlobs,
              "origin", sha_, target_sha},
             output)) {
      error = "git fetch of older history failed: " + output;
      return false;
    }
    depth += step;
  }
}

}  // namespace git
