#include "runner/sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <string_view>

#include "core/environment.h"
#include "runner/process.h"

namespace runner {

namespace {

constexpr auto kProbeTimeout = std::chrono::seconds(10);

// What a build needs to run programs: the merged-/usr links, the libraries,
// /etc (the resolver, users, certificates) and /opt. /var, /run, /home,
// /root, /srv and /mnt stay out: the server's data and its users' files
// live there.
constexpr std::array kSystemPaths{"/usr",   "/bin",    "/sbin", "/lib", "/lib32",
                                  "/lib64", "/libx32", "/etc",  "/opt"};

constexpr std::string_view kFix =
    "install bubblewrap (Debian: apt-get install bubblewrap) and allow unprivileged user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1), or run the agent with --unsandboxed, which lets builds "
    "read everything its user can (docs/runner.md#sandbox)";

void add(std::vector<std::string>& argv, std::initializer_list<std::string_view> words) {
  for (auto word : words) argv.emplace_back(word);
}

}  // namespace

std::vector<Sandbox::SystemPath> system_paths() {
  std::vector<Sandbox::SystemPath> found;
  for (const char* path : kSystemPaths) {
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(path, ec);
    if (ec) continue;
    if (std::filesystem::is_symlink(status))
      found.push_back({path, std::filesystem::read_symlink(path, ec).string()});
    else
      found.push_back({path, {}});
  }
  // A resolver configuration that links into /run (systemd-resolved) needs
  // its target; the rest of /run stays out.
  std::error_code ec;
  if (std::filesystem::is_symlink("/etc/resolv.conf", ec)) {
    const auto target = std::filesystem::canonical("/etc/resolv.conf", ec);
    if (!ec && !target.string().starts_with("/etc/")) found.push_back({target.string(), {}});
  }
  return found;
}

std::vector<std::string> sandbox_command(const Sandbox& sandbox, const std::string& workspace,
                                         const std::vector<std::string>& command, const std::string& home) {
  std::vector<std::string> argv{sandbox.program};
  // Every namespace but the network's; a user namespace even for root, and
  // no capability inside, so that root in the sandbox cannot mount or mknod
  // its way out. A new session: no terminal to push input into.
  add(argv, {"--unshare-all", "--share-net", "--unshare-user", "--cap-drop", "ALL", "--new-session"});
  for (const auto& [path, link_target] : sandbox.system) {
    if (link_target.empty())
      add(argv, {"--ro-bind", path, path});
    else
      add(argv, {"--symlink", link_target, path});
  }
  add(argv, {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
  if (home.empty())
    add(argv, {"--dir", kSandboxHome});
  else
    add(argv, {"--bind", home, kSandboxHome});
  add(argv, {"--bind", workspace, workspace, "--chdir", workspace, "--"});
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::optional<Sandbox> detect_sandbox(std::string& problem) {
  Sandbox sandbox{find_in_path("bwrap"), system_paths()};
  if (sandbox.program.empty()) {
    problem = "bwrap is not installed: " + std::string{kFix};
    return std::nullopt;
  }
  // A sandbox like an execution's, around /bin/true, answers whether this
  // machine lets bwrap create namespaces.
  auto probe = sandbox_command(sandbox, "/tmp", {"/bin/true"});
  if (run_quietly(probe, kProbeTimeout) != 0) {
    problem = sandbox.program + " cannot create a sandbox here (`" + sandbox.program +
              " --unshare-all --unshare-user … /bin/true` fails): " + std::string{kFix};
    return std::nullopt;
  }
  return sandbox;
}

void set_sandbox_environment(core::Env& env) {
  env["HOME"] = kSandboxHome;
  env["TMPDIR"] = "/tmp";
}

core::Env allowed_host_environment() {
  core::Env env;
  for (const std::string& entry :
       core::allowed_environment({"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_*", "TERM", "TZ", "TMPDIR"})) {
    const auto equals = entry.find('=');
    env.emplace(entry.substr(0, equals), entry.substr(equals + 1));
  }
  return env;
}

}  // namespace runner
