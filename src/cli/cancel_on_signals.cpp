#include "cli/cancel_on_signals.h"

namespace cli {

namespace {

runner::CancelHandle* signal_cancel = nullptr;

void on_stop_signal(int) {
  if (signal_cancel) signal_cancel->cancel();
}

}  // namespace

CancelOnStopSignals::CancelOnStopSignals(runner::CancelHandle& cancel) {
  signal_cancel = &cancel;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

CancelOnStopSignals::~CancelOnStopSignals() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  signal_cancel = nullptr;
}

}  // namespace cli
