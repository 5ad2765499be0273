#include "runner/container_runtime.h"

#include "runner/process.h"

namespace runner {

namespace {

constexpr auto kProbeTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(30);

std::vector<std::string> with_global_args(const ContainerRuntime& runtime) {
  std::vector<std::string> argv{runtime.program};
  argv.insert(argv.end(), runtime.global_args.begin(), runtime.global_args.end());
  return argv;
}

void apply_machine_defaults(ContainerRuntime& runtime) {
  if (runtime.name != "podman") return;
  if (!find_in_path("runc").empty()) runtime.global_args = {"--runtime", "runc"};
  runtime.run_args = {"--network=none", "--ulimit", "nofile=1024:1024", "--ulimit",
                      "nproc=1024:1024"};
}

// Empty when the runtime works; otherwise what is wrong with it.
std::string probe(const std::string& name, const ContainerOptions& options,
                  std::optional<ContainerRuntime>& found) {
  ContainerRuntime runtime{name, find_in_path(name), options.global_args, options.run_args};
  if (runtime.program.empty()) return name + " is not installed";
  bool defaults = options.global_args.empty() && options.run_args.empty();
  if (defaults) apply_machine_defaults(runtime);
  auto argv = with_global_args(runtime);
  argv.push_back("info");
  if (run_quietly(argv, kProbeTimeout) != 0) return name + " is installed but `" + name + " info` fails";
  found = std::move(runtime);
  return {};
}

}  // namespace

std::optional<ContainerRuntime> detect_container_runtime(const ContainerOptions& options,
                                                        std::string& problem) {
  using Runtime = ContainerOptions::Runtime;
  std::optional<ContainerRuntime> found;
  switch (options.runtime) {
    case Runtime::None:
      problem = "containers are turned off";
      break;
    case Runtime::Podman:
      problem = probe("podman", options, found);
      break;
    case Runtime::Docker:
      problem = probe("docker", options, found);
      break;
    case Runtime::Auto: {
      auto podman = probe("podman", options, found);
      if (found) break;
      auto docker = probe("docker", options, found);
      bool none_installed = find_in_path("podman").empty() && find_in_path("docker").empty();
      problem = none_installed ? "neither podman nor docker is installed" : podman + " and " + docker;
      break;
    }
  }
  if (found) problem.clear();
  return found;
}

std::vector<std::string> container_command(const ContainerRuntime& runtime,
                                           const std::string& container_name,
                                           const std::string& workspace,
                                           const core::ExecutionSpec& spec) {
  auto argv = with_global_args(runtime);
  argv.insert(argv.end(), {"run", "--rm", "--name", container_name});
  argv.insert(argv.end(), runtime.run_args.begin(), runtime.run_args.end());
  argv.insert(argv.end(), {"-v", workspace + ":" + workspace, "-w", workspace});
  for (const auto& [key, value] : spec.env) argv.insert(argv.end(), {"-e", key + "=" + value});
  argv.insert(argv.end(), {spec.image, "/bin/sh", "-e", "-c", spec.run});
  return argv;
}

void stop_container(const ContainerRuntime& runtime, const std::string& container_name,
                    const std::string& signal) {
  auto kill = with_global_args(runtime);
  kill.insert(kill.end(), {"kill", "--signal", signal.empty() ? "KILL" : signal, container_name});
  run_quietly(kill, kStopTimeout);
  if (!signal.empty()) return;
  auto remove = with_global_args(runtime);
  remove.insert(remove.end(), {"rm", "-f", container_name});
  run_quietly(remove, kStopTimeout);
}

}  // namespace runner
