// Pipeline services: started before the first stage, ready by port or by
// script, reached by executions (on loopback, or by name from a container),
// and stopped with every process they started, whatever the result.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>

#include "busybox_image.h"
#include "runner/runner.h"
#include "runner_test_support.h"

namespace runner {
namespace {

using core::Status;
using namespace runner::testing;

int shell(const std::string& command) { return std::system(command.c_str()); }

void write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.path() / name) << text;
}

// A socket bound to a port of the kernel's choice on 127.0.0.1; listening when asked.
class BoundPort {
 public:
  explicit BoundPort(bool listening) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    if (listening) {
      EXPECT_EQ(listen(fd_, 4), 0);
    }
  }
  ~BoundPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// A port nothing listens on now, for a service to take.
int free_port() { return BoundPort(false).port(); }

core::ServiceSpec service(std::string name, std::string run, std::vector<int> ports) {
  core::ServiceSpec spec;
  spec.name = std::move(name);
  spec.run = std::move(run);
  spec.ports = std::move(ports);
  if (!spec.ports.empty()) spec.ready_port = spec.ports.front();
  return spec;
}

core::Plan plan_with(std::vector<core::ServiceSpec> services, std::vector<core::ExecutionSpec> executions) {
  auto p = pipeline("p", {stage("s", std::move(executions))});
  p.services = std::move(services);
  return core::Plan{{std::move(p)}};
}

std::string fetch(int port, const std::string& path) {
  return "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:" +
         std::to_string(port) + path + "').read().decode().strip())\"";
}

bool listening(int port) {
  return shell("python3 -c \"import socket; socket.create_connection(('127.0.0.1', " + std::to_string(port) +
               "), 1)\" 2>/dev/null") == 0;
}

std::vector<std::string> service_lines(const RecordingObserver& observer) {
  std::vector<std::string> lines;
  for (const auto& line : observer.lines)
    if (line.service) lines.push_back(line.text);
  return lines;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

class ServicesTest : public ::testing::Test {
 protected:
  TempDir dir;
  RecordingObserver observer;
};

TEST_F(ServicesTest, SandboxedExecutionReachesAProcessServiceOnLoopbackAndItStopsAfterwards) {
  write(dir, "hello.txt", "hello from the service\n");
  const int port = free_port();
  auto options = options_in(dir);
  options.isolation = Isolation::Sandbox;
  auto plan = plan_with({service("web", "exec python3 -m http.server " + std::to_string(port) + " --bind 127.0.0.1",
                                 {port})},
                        {exec("get", fetch(port, "/hello.txt"))});
  auto result = run(plan, options, observer);
  const auto& pipeline = result.pipelines[0];
  EXPECT_EQ(result.status, Status::Success) << pipeline.error << pipeline.stages[0].executions[0].error;
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"hello from the service"});
  EXPECT_EQ(pipeline.services[0].status, Status::Success);
  EXPECT_TRUE(any_contains(service_lines(observer), "GET /hello.txt")) << "the service's log is kept";
  EXPECT_FALSE(listening(port)) << "the service was stopped";
  EXPECT_NE(shell("pgrep -f 'http[.]server " + std::to_string(port) + "' >/dev/null"), 0);
  // The service started before the stage, and ended after it.
  auto position = [&](const std::string& event) {
    return std::find(observer.events.begin(), observer.events.end(), event) - observer.events.begin();
  };
  EXPECT_LT(position("service 0.0 running"), position("stage 0.0 running"));
  EXPECT_LT(position("stage 0.0 success"), position("service 0.0 success"));
}

TEST_F(ServicesTest, ServiceNeverReadyFailsThePipelineWithTheReasonAndSkipsItsStages) {
  const int port = free_port();
  auto db = service("db", "echo starting; exec sleep 1007.25", {port});
  db.ready_timeout = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  auto result = run(plan_with({db}, {exec("never", "touch ran")}), options_in(dir), observer);
  const auto& pipeline = result.pipelines[0];
  EXPECT_LT(seconds_since(start), 10.0);
  EXPECT_EQ(result.status, Status::Failure);
  EXPECT_EQ(pipeline.status, Status::Failure);
  EXPECT_EQ(pipeline.error,
            "service db was not ready after 1s: nothing accepted connections on port " + std::to_string(port));
  EXPECT_EQ(pipeline.services[0].status, Status::Failure);
  EXPECT_EQ(pipeline.services[0].error, pipeline.error);
  EXPECT_EQ(pipeline.stages[0].status, Status::Skipped);
  EXPECT_EQ(pipeline.stages[0].executions[0].status, Status::Skipped);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ran"));
  EXPECT_EQ(service_lines(observer), std::vector<std::string>{"starting"});
  EXPECT_NE(shell("pgrep -f 'sleep 1007[.]25' >/dev/null"), 0) << "no process of the service is left";
}

TEST_F(ServicesTest, ReadyScriptIsPolledUntilItSucceeds) {
  auto worker = service("worker", "sleep 0.5; touch ready; exec sleep 1009.5", {});
  worker.ready_run = "test -f ready";
  worker.ready_timeout = std::chrono::seconds(10);
  auto result = run(plan_with({worker}, {exec("after", "test -f ready && echo saw it")}), options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success) << result.pipelines[0].error;
  EXPECT_EQ(observer.texts(Stream::Stdout), std::vector<std::string>{"saw it"});
  EXPECT_NE(shell("pgrep -f 'sleep 1009[.]5' >/dev/null"), 0);
}

TEST_F(ServicesTest, FailingReadyScriptIsQuotedInTheReason) {
  auto worker = service("worker", "exec sleep 1011.5", {});
  worker.ready_run = "echo not yet; exit 3";
  worker.ready_timeout = std::chrono::milliseconds(700);
  auto result = run(plan_with({worker}, {exec("e", "true")}), options_in(dir), observer);
  EXPECT_EQ(result.pipelines[0].error,
            "service worker was not ready after 700ms: its ready check exited with code 3: not yet");
  EXPECT_NE(shell("pgrep -f 'sleep 1011[.]5' >/dev/null"), 0);
}

TEST_F(ServicesTest, ServiceEndingBeforeItIsReadyFailsAtOnce) {
  auto result = run(plan_with({service("db", "echo boom >&2; exit 2", {free_port()})}, {exec("e", "true")}),
                    options_in(dir), observer);
  EXPECT_EQ(result.pipelines[0].error, "service db ended before it was ready (exit code 2)");
  EXPECT_EQ(result.pipelines[0].services[0].exit_code, 2);
  EXPECT_EQ(service_lines(observer), std::vector<std::string>{"boom"});
}

TEST_F(ServicesTest, PortInUseIsNotMistakenForTheService) {
  BoundPort taken(true);
  auto result = run(plan_with({service("db", "exec sleep 1013.5", {taken.port()})}, {exec("e", "true")}),
                    options_in(dir), observer);
  EXPECT_EQ(result.pipelines[0].error,
            "service db cannot start: port " + std::to_string(taken.port()) + " is already in use on this machine");
  EXPECT_EQ(result.pipelines[0].services[0].status, Status::Skipped);
}

TEST_F(ServicesTest, PipelinesWhoseServicesShareAPortTakeTurns) {
  const int port = free_port();
  const std::string server = "exec python3 -m http.server " + std::to_string(port) + " --bind 127.0.0.1";
  auto first = pipeline("first", {stage("s", {exec("e", fetch(port, "/") + " >/dev/null && echo first")})});
  first.services = {service("web", server, {port})};
  auto second = first;
  second.name = second.base_name = "second";
  second.stages[0].executions[0].run = fetch(port, "/") + " >/dev/null && echo second";
  auto result = run(core::Plan{{first, second}}, options_in(dir), observer);
  EXPECT_EQ(result.status, Status::Success) << result.pipelines[0].error << result.pipelines[1].error;
  auto stdout_lines = observer.texts(Stream::Stdout);
  std::sort(stdout_lines.begin(), stdout_lines.end());
  EXPECT_EQ(stdout_lines, (std::vector<std::string>{"first", "second"}));
}

class ContainerServicesTest : public ServicesTest {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(testpaths::ensure_busybox_image()) << "podman, runc and busybox-static come from scripts/setup.sh";
  }
};

TEST_F(ContainerServicesTest, ImageExecutionReachesAContainerServiceByNameAndHostExecutionOnLoopback) {
  write(dir, "index.html", "busybox httpd here\n");
  const int port = free_port();
  core::ServiceSpec web;
  web.name = "web";
  web.image = testpaths::kBusyboxImage;
  web.command = {"httpd", "-f", "-v", "-p", "127.0.0.1:" + std::to_string(port), "-h", dir.path().string()};
  web.ports = {port};
  web.ready_run = "wget -q -O /dev/null http://127.0.0.1:" + std::to_string(port) + "/";
  web.ready_timeout = std::chrono::seconds(60);
  auto by_name = exec("by-name", "wget -q -O - http://web:" + std::to_string(port) + "/");
  by_name.image = testpaths::kBusyboxImage;
  auto plan = plan_with({web}, {by_name, exec("on-loopback", fetch(port, "/"))});
  auto result = run(plan, options_in(dir), observer);
  const auto& pipeline = result.pipelines[0];
  EXPECT_EQ(result.status, Status::Success) << pipeline.error << pipeline.stages[0].executions[0].error;
  EXPECT_EQ(observer.texts(Stream::Stdout), (std::vector<std::string>{"busybox httpd here", "busybox httpd here"}));
  EXPECT_EQ(pipeline.services[0].status, Status::Success);
  EXPECT_FALSE(service_lines(observer).empty()) << "httpd -v logs each request";
  EXPECT_FALSE(listening(port));
  const std::string ours = "factory-" + std::to_string(getpid()) + "-";
  EXPECT_NE(shell("podman ps -a --format '{{.Names}}' | grep -q '^" + ours + "'"), 0) << "no container is left";
}

}  // namespace
}  // namespace runner
