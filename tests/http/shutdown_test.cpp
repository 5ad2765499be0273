// Graceful stop: requests in flight finish, idle connections close at once,
// no new connection is accepted, and a stuck handler is cut off at the deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "test_support.h"

namespace http {
namespace {

using namespace http::testing;

struct SlowRoute {
  std::promise<void> entered;
  std::chrono::milliseconds delay;
};

Router slow_router(SlowRoute& slow) {
  Router router;
  router.add("GET", "/slow", [&slow](Request&) {
    slow.entered.set_value();
    std::this_thread::sleep_for(slow.delay);
    return Response::text(200, std::string(100'000, 's'));
  });
  return router;
}

TEST(Shutdown, FinishesTheRequestInFlightThenRefusesConnections) {
  SlowRoute slow{{}, 800ms};
  auto server = start_server(slow_router(slow));
  const auto port = server->port();
  auto reply = std::async(std::launch::async, [port] { return Client{port}.get("/slow"); });
  slow.entered.get_future().wait();
  server->stop();
  const Reply finished = reply.get();
  EXPECT_EQ(finished.status, 200);
  EXPECT_EQ(finished.body.size(), 100'000u);
  EXPECT_EQ(finished.headers.at("connection"), "close");  // the keep-alive connection is not kept
  EXPECT_FALSE(RawSocket{port}.connected());
}

TEST(Shutdown, ClosesIdleKeepAliveConnectionsWithoutWaitingForTheDeadline) {
  auto server = start_server(Router{});
  Client client{server->port()};
  ASSERT_EQ(client.get("/healthz").status, 200);
  RawSocket idle{server->port()};
  ASSERT_TRUE(idle.connected());
  const auto start = std::chrono::steady_clock::now();
  server->stop(std::chrono::milliseconds{20'000});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(idle.closed_by_peer_within(1s));
}

TEST(Shutdown, DeadlineBoundsTheWaitForAStuckClient) {
  auto server = start_server(Router{});
  RawSocket stalled{server->port()};
  // Headers done, body promised but never sent: the request is in flight.
  ASSERT_TRUE(stalled.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"));
  std::this_thread::sleep_for(200ms);
  const auto start = std::chrono::steady_clock::now();
  server->stop(500ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(stalled.closed_by_peer_within(1s));
}

TEST(Shutdown, StopTwiceAndDestroyWithoutStopAreHarmless) {
  auto server = start_server(Router{});
  server->stop();
  server->stop();
  EXPECT_THROW(server->start(), std::logic_error);
  auto other = start_server(Router{});
  EXPECT_EQ(Client{other->port()}.get("/healthz").status, 200);
  other.reset();  // the destructor stops it
}

}  // namespace
}  // namespace http
