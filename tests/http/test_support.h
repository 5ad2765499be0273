// Test helpers: a server on 127.0.0.1 port 0, and the clients of
// http/test_client.h to talk to it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "http/server.h"
#include "http/test_client.h"

namespace http::testing {

using namespace std::chrono_literals;

inline ServerOptions quiet_options() {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.access_log = {};
  return options;
}

inline std::unique_ptr<Server> start_server(Router router, ServerOptions options = quiet_options()) {
  auto server = std::make_unique<Server>(std::move(router), std::move(options));
  server->start();
  return server;
}

}  // namespace http::testing
