#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

#include "runner/runner.h"

namespace runner {

CancelHandle::CancelHandle() : event_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CancelHandle::~CancelHandle() { close(event_fd_); }

void CancelHandle::cancel() noexcept {
  cancelled_.store(true, std::memory_order_release);
  // Nobody reads the counter back, so the fd stays readable for every waiter.
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(event_fd_, &one, sizeof one);
}

}  // namespace runner
