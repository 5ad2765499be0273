// Finding and killing every process an execution started: those still in its
// process group, and those that left it (setsid, double fork) but carry the
// execution's tag in their environment. The runner's process is a child
// subreaper, so such orphans become its children and are reaped here.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace runner {

// The environment variable that marks every process of one execution attempt.
inline constexpr const char* kProcessTagVariable = "FACTORY_PROCESS_TAG";

// Makes the calling process a child subreaper (once; later calls do nothing).
void become_subreaper();

struct ExecutionProcesses {
  pid_t group;      // the process group the execution started in
  std::string tag;  // value of kProcessTagVariable, unique per attempt
  pid_t leader;     // the execution's own child, reaped by its owner
};

// Sends `signo` to every live process of the execution; reaps exited
// orphans (never the leader). Returns how many processes were signalled.
int signal_execution_processes(const ExecutionProcesses& processes, int signo);

// SIGTERM to all of them; SIGKILL to whatever is left after `grace`; returns
// once none is left (or after a bounded wait for the kernel to finish them).
void sweep_execution_processes(const ExecutionProcesses& processes,
                               std::chrono::milliseconds grace);

}  // namespace runner
