#include "core/close_on_exec.h"

#include <fcntl.h>

namespace core {

bool set_close_on_exec(int fd) {
  const int flags = fcntl(fd, F_GETFD);
  return flags >= 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0;
}

}  // namespace core
