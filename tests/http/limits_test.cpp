// Header and body limits, per-route body limits, and read timeouts: a slow
// client is disconnected and never holds up other clients.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "test_support.h"

namespace http {
namespace {

using namespace http::testing;
using nlohmann::json;

Router upload_router() {
  Router router;
  auto size = [](Request& request) { return Response::json(200, {{"bytes", request.body.size()}}); };
  router.add("POST", "/small", size);
  router.add("POST", "/hooks", size, {.body_limit = 64 * 1024});
  router.add("GET", "/hello", [](Request&) { return Response::text(200, "hello"); });
  return router;
}

ServerOptions limited_options() {
  ServerOptions options = quiet_options();
  options.header_limit = 4096;
  options.body_limit = 1024;
  options.header_timeout = 500ms;
  options.body_timeout = 500ms;
  return options;
}

TEST(Limits, OversizedHeadersAre431) {
  auto server = start_server(upload_router(), limited_options());
  Client client{server->port()};
  const Reply big = client.request("GET", "/hello", {}, {"X-Padding: " + std::string(8000, 'a')});
  EXPECT_EQ(big.status, 431);
  EXPECT_EQ(json::parse(big.body)["error"]["code"], "header_too_large");
  EXPECT_EQ(client.request("GET", "/hello", {}, {"X-Padding: " + std::string(2000, 'a')}).status, 200);
}

TEST(Limits, BodyLimitIsPerRoute) {
  auto server = start_server(upload_router(), limited_options());
  Client client{server->port()};
  EXPECT_EQ(client.request("POST", "/small", std::string(1024, 'x')).status, 200);
  const Reply rejected = client.request("POST", "/small", std::string(1025, 'x'));
  EXPECT_EQ(rejected.status, 413);
  EXPECT_EQ(json::parse(rejected.body)["error"]["code"], "payload_too_large");
  const Reply webhook = client.request("POST", "/hooks", std::string(60 * 1024, 'x'));
  EXPECT_EQ(webhook.status, 200);
  EXPECT_EQ(json::parse(webhook.body)["bytes"], 60 * 1024);
  EXPECT_EQ(client.request("POST", "/hooks", std::string(65 * 1024, 'x')).status, 413);
}

TEST(Limits, TooLargeBodyIsRejectedWithoutWaitingForIt) {
  auto server = start_server(upload_router(), limited_options());
  // With "Expect: 100-continue" the client waits for our go-ahead; it gets 413 instead.
  Client client{server->port()};
  const Reply expecting = client.request("POST", "/small", std::string(200'000, 'x'), {"Expect: 100-continue"});
  EXPECT_EQ(expecting.status, 413);
  // Without it the body is already on its way; the answer must still arrive.
  const Reply eager = client.request("POST", "/small", std::string(200'000, 'x'), {"Expect:"});
  EXPECT_EQ(eager.status, 413);
}

TEST(Limits, ExpectContinueWithinTheLimitGetsTheBody) {
  auto server = start_server(upload_router(), limited_options());
  Client client{server->port()};
  const Reply reply = client.request("POST", "/hooks", std::string(30'000, 'x'), {"Expect: 100-continue"});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body)["bytes"], 30'000);
}

TEST(Limits, ChunkedBodyOverTheLimitIs413) {
  auto server = start_server(upload_router(), limited_options());
  RawSocket socket{server->port()};
  const std::string chunk(800, 'x');
  ASSERT_TRUE(socket.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
                          "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  EXPECT_NE(socket.read_until("\r\n").find(" 413 "), std::string::npos);
  EXPECT_TRUE(socket.closed_by_peer_within(5s));
}

TEST(Limits, ClientSilentAfterConnectingIsDisconnected) {
  auto server = start_server(upload_router(), limited_options());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.connected());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(socket.closed_by_peer_within(10s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);  // not before header_timeout (500 ms)
}

TEST(Limits, TricklingHeadersAreCutOffAtTheDeadline) {
  auto server = start_server(upload_router(), limited_options());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.send("GET /hello HTTP/1.1\r\n"));
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  // One header byte every 100 ms: always "active", never done.
  while (!closed && std::chrono::steady_clock::now() - start < 10s) {
    socket.send("X");
    closed = socket.closed_by_peer_within(100ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Limits, StalledBodyIsDisconnected) {
  auto server = start_server(upload_router(), limited_options());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  EXPECT_TRUE(socket.closed_by_peer_within(10s));
}

TEST(Limits, SlowClientsDoNotHoldTheOnlyWorker) {
  ServerOptions options = limited_options();
  options.threads = 1;
  options.header_timeout = 30s;  // the slow clients stay connected for the whole test
  auto server = start_server(upload_router(), options);
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawSocket>(server->port()));
    ASSERT_TRUE(slow.back()->send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  Client client{server->port()};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.get("/hello").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(Limits, ConnectionsBeyondTheLimitAre503AndClosed) {
  ServerOptions options = limited_options();
  options.max_connections = 3;
  options.header_timeout = 30s;
  auto server = start_server(upload_router(), options);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawSocket>(server->port()));
    ASSERT_TRUE(held.back()->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_NE(held.back()->read_until("hello").find("200 OK"), std::string::npos);  // open and counted
  }
  RawSocket refused{server->port()};
  EXPECT_NE(refused.read_until("\r\n").find(" 503 "), std::string::npos);
  EXPECT_TRUE(refused.closed_by_peer_within(5s));
  held.pop_back();
  // The server notices the close and has room again.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    served = Client{server->port()}.get("/hello").status == 200;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace http
