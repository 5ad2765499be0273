// Children a process starts for its own work (git reading a branch for the
// server, say), as opposed to build agents and what agents leave behind.
//
// The local provisioner makes the server a subreaper and kills every child
// that is no agent of it: the orphans of builds, adopted. It must leave
// these alone, and must not reap them from under the code that waits for
// them. Starting one and sweeping take one lock, so that a sweep never sees
// an own child before it is recorded.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <sys/types.h>

#include <functional>

namespace core {

// Starts a child with `spawn` (0 or an errno, setting pid) and records it
// until forget_own_child(pid); returns what spawn returned.
int spawn_own_child(pid_t& pid, const std::function<int(pid_t&)>& spawn);

// After the child was reaped.
void forget_own_child(pid_t pid);

// Calls `sweep` with a test for own children, while none can start.
void sweep_children(const std::function<void(const std::function<bool(pid_t)>& is_own)>& sweep);

}  // namespace core
