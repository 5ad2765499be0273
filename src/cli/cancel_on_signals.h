// Ctrl-C and SIGTERM cancel a run (which then stops cleanly) instead of
// killing this process and leaving executions behind. While an instance
// lives, both signals call cancel() on its handle; the previous handlers
// come back when it goes. One instance at a time.
//
// A run that does not stop cannot hold the process: a second signal ends it
// at once, and so does the end of `grace` after the first, when one is
// given (through SIGALRM, which this process must not use otherwise). Both
// say so on stderr and _exit with status 1, running no destructors.
#pragma once

#include <signal.h>

#include <chrono>

#include "runner/runner.h"

namespace cli {

class CancelOnStopSignals {
 public:
  explicit CancelOnStopSignals(runner::CancelHandle& cancel, std::chrono::seconds grace = {});
  ~CancelOnStopSignals();
  CancelOnStopSignals(const CancelOnStopSignals&) = delete;
  CancelOnStopSignals& operator=(const CancelOnStopSignals&) = delete;

 private:
  struct sigaction previous_int_ {}, previous_term_ {}, previous_alarm_ {};
};

}  // namespace cli
