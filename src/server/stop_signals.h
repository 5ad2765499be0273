// SIGINT and SIGTERM as events to wait for rather than handlers: the
// constructor blocks them in the calling thread, and threads started later
// inherit the mask, so no thread is interrupted and wait() receives them.
// Construct it in main() before any thread starts.
#pragma once

#include <signal.h>

namespace server {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();  // restores the signal mask
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Waits for SIGINT or SIGTERM; returns which.
  int wait();

 private:
  sigset_t signals_;
  sigset_t previous_;
};

}  // namespace server
