#include "runner/container_runtime.h"

#include "runner/process.h"
#include "runner/sandbox.h"

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

namespace {

bool is_network_arg(const std::string& arg) {
  return arg == "--network" || arg == "--net" || arg.starts_with("--network=") || arg.starts_with("--net=");
}

// The run arguments; with services, those naming a network give way to the
// machine's, where the services listen.
void add_run_args(std::vector<std::string>& argv, const ContainerRuntime& runtime,
                  const std::vector<core::ServiceSpec>& services) {
  if (services.empty()) {
    argv.insert(argv.end(), runtime.run_args.begin(), runtime.run_args.end());
    return;
  }
  const auto& args = runtime.run_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!is_network_arg(args[i])) {
      argv.push_back(args[i]);
      continue;
    }
    if (args[i] == "--network" || args[i] == "--net") ++i;  // its value follows
  }
  argv.push_back("--network=host");
  for (const auto& service : services) argv.insert(argv.end(), {"--add-host", service.name + ":127.0.0.1"});
}

// `run --rm --name NAME <run args> -v WORKSPACE:WORKSPACE [-v HOME:/tmp/home
// -e HOME=/tmp/home] -e KEY=VALUE...`
std::vector<std::string> run_command(const ContainerRuntime& runtime, const std::string& container_name,
                                     const std::string& workspace, const std::string& home, const core::Env& env,
                                     const std::vector<core::ServiceSpec>& services) {
  auto argv = with_global_args(runtime);
  argv.insert(argv.end(), {"run", "--rm", "--name", container_name});
  add_run_args(argv, runtime, services);
  argv.insert(argv.end(), {"-v", workspace + ":" + workspace});
  if (!home.empty())
    argv.insert(argv.end(), {"-v", home + ":" + kSandboxHome, "-e", std::string{"HOME="} + kSandboxHome});
  for (const auto& [key, value] : env) argv.insert(argv.end(), {"-e", key + "=" + value});
  return argv;
}

}  // namespace

std::vector<std::string> container_command(const ContainerRuntime& runtime,
                                           const std::string& container_name,
                                           const std::string& workspace,
                                           const std::string& home,
                                           const core::ExecutionSpec& spec,
                                           const std::vector<core::ServiceSpec>& services) {
  auto argv = run_command(runtime, container_name, workspace, home, spec.env, services);
  argv.insert(argv.end(), {"-w", workspace, spec.image, "/bin/sh", "-e", "-c", spec.run});
  return argv;
}

std::vector<std::string> service_container_command(const ContainerRuntime& runtime,
                                                   const std::string& container_name,
                                                   const std::string& workspace,
                                                   const core::ServiceSpec& service,
                                                   const std::vector<core::ServiceSpec>& services) {
  auto argv = run_command(runtime, container_name, workspace, {}, service.env, services);
  argv.push_back(service.image);
  argv.insert(argv.end(), service.command.begin(), service.command.end());
  return argv;
}

std::vector<std::string> container_exec_command(const ContainerRuntime& runtime,
                                                const std::string& container_name, const std::string& script) {
  auto argv = with_global_args(runtime);
  argv.insert(argv.end(), {"exec", container_name, "/bin/sh", "-e", "-c", script});
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
