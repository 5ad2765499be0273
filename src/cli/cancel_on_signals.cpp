#include "cli/cancel_on_signals.h"

#include <unistd.h>

namespace cli {

namespace {

runner::CancelHandle* signal_cancel = nullptr;
unsigned grace_seconds = 0;
volatile sig_atomic_t stop_signals_seen = 0;

// Only async-signal-safe calls from here on.
[[noreturn]] void end_now(const char* why, std::size_t length) {
  [[maybe_unused]] const auto written = write(STDERR_FILENO, why, length);
  _exit(1);
}

void on_stop_signal(int) {
  if (stop_signals_seen) {
    static constexpr char kWhy[] = "a second stop signal: ending now, without waiting for the run to stop\n";
    end_now(kWhy, sizeof kWhy - 1);
  }
  stop_signals_seen = 1;
  if (signal_cancel) signal_cancel->cancel();  // an atomic store and a write(): safe here
  if (grace_seconds > 0) alarm(grace_seconds);
}

void on_alarm(int) {
  static constexpr char kWhy[] = "the run did not stop within its grace period: ending now\n";
  end_now(kWhy, sizeof kWhy - 1);
}

void install(int signo, void (*handler)(int), struct sigaction* previous) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(signo, &action, previous);
}

}  // namespace

CancelOnStopSignals::CancelOnStopSignals(runner::CancelHandle& cancel, std::chrono::seconds grace) {
  signal_cancel = &cancel;
  grace_seconds = static_cast<unsigned>(grace.count());
  stop_signals_seen = 0;
  install(SIGALRM, on_alarm, &previous_alarm_);
  install(SIGINT, on_stop_signal, &previous_int_);
  install(SIGTERM, on_stop_signal, &previous_term_);
}

CancelOnStopSignals::~CancelOnStopSignals() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  alarm(0);
  sigaction(SIGALRM, &previous_alarm_, nullptr);
  signal_cancel = nullptr;
}

}  // namespace cli
