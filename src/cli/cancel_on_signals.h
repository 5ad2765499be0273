// Ctrl-C and SIGTERM cancel a run (which then stops cleanly) instead of
// killing this process and leaving executions behind. While an instance
// lives, both signals call cancel() on its handle; the previous handlers
// come back when it goes. One instance at a time.
#pragma once

#include <signal.h>

#include "runner/runner.h"

namespace cli {

class CancelOnStopSignals {
 public:
  explicit CancelOnStopSignals(runner::CancelHandle& cancel);
  ~CancelOnStopSignals();
  CancelOnStopSignals(const CancelOnStopSignals&) = delete;
  CancelOnStopSignals& operator=(const CancelOnStopSignals&) = delete;

 private:
  struct sigaction previous_int_ {}, previous_term_ {};
};

}  // namespace cli
