// Running an execution inside a container with podman or docker.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/plan.h"
#include "runner/runner.h"

namespace runner {

struct ContainerRuntime {
  std::string name;     // "podman" or "docker"
  std::string program;  // absolute path
  std::vector<std::string> global_args;
  std::vector<std::string> run_args;
};

// The runtime the options ask for, if it is installed and answers; if not,
// `problem` says why ("neither podman nor docker is installed"). With no
// extra arguments given, podman gets what works on these
// machines: `--runtime runc` when runc is installed (crun fails on rlimits
// and hybrid cgroups), `--network=none` (the default network needs a host
// bridge) and explicit nofile/nproc ulimits (the inherited ones are refused).
std::optional<ContainerRuntime> detect_container_runtime(const ContainerOptions& options,
                                                        std::string& problem);

// The command that runs `script` with /bin/sh -e in `image`, with the
// workspace mounted at the same path and used as working directory, and
// `home` (unless empty) mounted at kSandboxHome as HOME. With
// `services` (those of its pipeline), the container is on the machine's
// network instead of the one the run arguments name, and each service's
// name resolves to 127.0.0.1 in it (docs/runner.md#services).
std::vector<std::string> container_command(const ContainerRuntime& runtime,
                                           const std::string& container_name,
                                           const std::string& workspace,
                                           const std::string& home,
                                           const core::ExecutionSpec& spec,
                                           const std::vector<core::ServiceSpec>& services = {});

// The command that runs a container service attached (its output is the
// client's): its image with its own command or the service's, the
// workspace mounted at the same path, on the machine's network with every
// service of `services` (its pipeline's) resolving to 127.0.0.1.
std::vector<std::string> service_container_command(const ContainerRuntime& runtime,
                                                   const std::string& container_name,
                                                   const std::string& workspace,
                                                   const core::ServiceSpec& service,
                                                   const std::vector<core::ServiceSpec>& services);

// The command that runs `script` with /bin/sh -e inside a running container.
std::vector<std::string> container_exec_command(const ContainerRuntime& runtime,
                                                const std::string& container_name, const std::string& script);

// Stops the container: `signal` first ("TERM"), or removes it by force when
// `signal` is empty. The client process alone would leave it running.
void stop_container(const ContainerRuntime& runtime, const std::string& container_name,
                    const std::string& signal);

}  // namespace runner
