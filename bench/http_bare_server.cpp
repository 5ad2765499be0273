// The HTTP layer alone, for load tests (bench/http_load.sh): GET /project?id=…
// answers a small fixed JSON project, with no store behind it.
//   http_bare_server [PORT] [THREADS]     (defaults 8080, one per core)
// Runs until SIGINT or SIGTERM, then stops gracefully.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "http/server.h"

namespace {

http::Response project(http::Request& request) {
  const auto id = request.query("id");
  if (!id) return http::Response::error(400, "bad_request", "the id query parameter is required");
  return http::Response::json(200, {{"id", *id},
                                    {"owner", "acme"},
                                    {"project", "web"},
                                    {"url", "https://github.com/acme/web.git"}});
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  http::Router router;
  router.add("GET", "/project", project, {.name = "project"});
  http::ServerOptions options;
  options.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);
  options.threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
  options.access_log = {};  // measure the HTTP layer, not the terminal
  http::Server server{std::move(router), options};
  server.start();
  std::printf("listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.stop();
  return 0;
}
