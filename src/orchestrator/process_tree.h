// The processes below a process, found through /proc: the local provisioner
// kills an agent with everything it started, builds included, although
// those run in process groups of their own.
//
// A process that leaves its parent is adopted by the nearest ancestor that
// is a child subreaper (prctl PR_SET_CHILD_SUBREAPER), else by init; in a
// subreaper's tree nothing escapes it.
//
// Thread-safety: free functions; /proc is read afresh on every call.
#pragma once

#include <sys/types.h>

#include <vector>

namespace orchestrator {

// The live (not exited) children of `parent`.
std::vector<pid_t> children_of(pid_t parent);

// The live descendants of `root`, at any depth.
std::vector<pid_t> descendants_of(pid_t root);

// SIGKILL to every live descendant of `root`, then to `root`.
void kill_tree(pid_t root);

}  // namespace orchestrator
