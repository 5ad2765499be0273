// A busybox container image for tests that run executions with `image`:
// no registry is reachable, so it is imported from a local rootfs (every
// busybox applet a symlink in rootfs/bin), once per machine, so that test
// processes running side by side share it.
#pragma once

#include <cstdlib>
#include <string>

#include "temp_dir.h"

namespace testpaths {

inline const std::string kBusyboxImage = "localhost/factory-runner-test:busybox";

// True once the image exists; false when podman, runc or busybox-static
// (all from scripts/setup.sh) are missing.
inline bool ensure_busybox_image() {
  const auto shell = [](const std::string& command) { return std::system(command.c_str()) == 0; };
  if (shell("podman image exists " + kBusyboxImage)) return true;
  TempDir build;
  const std::string root = (build.path() / "rootfs").string();
  const std::string tar = (build.path() / "image.tar").string();
  return shell("set -e; mkdir -p " + root + "/bin " + root + "/tmp; cp /bin/busybox " + root + "/bin/; " +
               "for a in $(/bin/busybox --list | grep -vx busybox); do ln -sf busybox " + root + "/bin/$a; done; " +
               "tar -C " + root + " -cf " + tar + " .; podman --runtime runc import -q " + tar + " " +
               kBusyboxImage + " >/dev/null");
}

}  // namespace testpaths
