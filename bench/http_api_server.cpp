// The HTTP server with the REST API on a SQLite store, for load tests of the
// whole request path (bearer-token check, store read, JSON):
//   http_api_server DATA_DIR [PORT] [THREADS]
// Creates DATA_DIR/factory.db with one token and one project, prints
// "token=<secret>" and "project=<id>" lines (bench/http_load.sh substitutes
// {token} and {project} with them), and serves until SIGINT or SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/service.h"
#include "server/stop_signals.h"

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "http_api_server: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: http_api_server DATA_DIR [PORT] [THREADS]");
  server::StopSignals stop_signals;

  auto store = store::open(std::string{"sqlite:"} + argv[1] + "/factory.db");
  if (!store) die(store.error().message);
  auto token = (*store)->create_token("load test");
  if (!token) die(token.error().message);
  auto project = (*store)->create_project({"acme", "web", "https://github.com/acme/web.git", "secret"});
  if (!project) die(project.error().message);

  http::ServerOptions options;
  options.port = static_cast<std::uint16_t>(argc > 2 ? std::atoi(argv[2]) : 8080);
  options.threads = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 0;
  options.access_log = {};
  server::Service service{std::move(*store), options};
  service.start();
  std::printf("token=%s\nproject=%s\n", token->secret.c_str(), project->id.c_str());
  std::fflush(stdout);

  stop_signals.wait();
  service.stop();
  return 0;
}
