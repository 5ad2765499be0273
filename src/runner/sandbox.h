// The bubblewrap (`bwrap`) sandbox that host executions run in
// (docs/runner.md#sandbox), and the environment builds get.
//
// Contract: an execution in the sandbox sees its workspace (read-write, at
// the same path, as working directory), a private /tmp with HOME in it, the
// system directories read-only (/usr and its /bin, /lib… links, /etc, /opt)
// and a fresh /proc and /dev of its own; nothing else of the file system
// (not the server's data directory, not other workspaces, not /home, /root,
// /var or /run), no process outside its own PID namespace, and no
// capability. The network is the host's: builds fetch dependencies.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/plan.h"

namespace runner {

// What makes a sandbox on this machine: the bwrap program and how the system
// directories are to appear (bound read-only, or re-created as the links
// they are, as /bin → usr/bin on merged-/usr systems).
struct Sandbox {
  std::string program;  // bwrap, absolute
  struct SystemPath {
    std::string path;         // absolute
    std::string link_target;  // empty: a directory or file, bound read-only
  };
  std::vector<SystemPath> system;
};

// HOME inside the sandbox: a directory of its private /tmp.
inline constexpr const char* kSandboxHome = "/tmp/home";

// The sandbox of this machine, once bwrap was seen to create one; otherwise
// `problem` says why not and how to fix it.
std::optional<Sandbox> detect_sandbox(std::string& problem);

// The system directories of this machine as a sandbox shows them.
std::vector<Sandbox::SystemPath> system_paths();

// The command that runs `command` (argv[0] absolute) in the sandbox, with
// `workspace` (absolute) bound read-write and as working directory, and
// `home` (absolute; empty: an empty folder of the private /tmp) bound at
// kSandboxHome. The sandbox passes its own environment on to `command`.
std::vector<std::string> sandbox_command(const Sandbox& sandbox, const std::string& workspace,
                                         const std::vector<std::string>& command, const std::string& home = {});

// `env` as the sandbox needs it: HOME and TMPDIR inside it.
void set_sandbox_environment(core::Env& env);

// The variables of this process that builds may see: the search path, home,
// user name, locale, terminal and time zone; never credentials, tokens or the
// rest of what the agent (or the server before it) was started with.
core::Env allowed_host_environment();

}  // namespace runner
