// Header and body limits, per-route body limits, and read timeouts: a slow
// client is disconnected and never holds up other clients.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "http/client_limits.h"
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

// What a client from `source` gets for `request`: the status line.
std::string status_line(std::uint16_t port, const char* source, const std::string& request) {
  RawSocket socket{port, source};
  socket.send(request);
  return socket.read_until("\r\n");
}

TEST(Limits, ConnectionsBeyondAnAddressLimitAre429WhileOtherAddressesAreServed) {
  ServerOptions options = limited_options();
  options.connections_per_address = 2;
  options.header_timeout = 30s;
  auto server = start_server(upload_router(), options);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawSocket>(server->port(), "127.0.0.2"));
    ASSERT_TRUE(held.back()->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_NE(held.back()->read_until("hello").find("200 OK"), std::string::npos);
  }
  RawSocket refused{server->port(), "127.0.0.2"};
  const std::string answer = refused.read_until("}");
  EXPECT_NE(answer.find(" 429 "), std::string::npos) << answer;
  EXPECT_NE(answer.find("too_many_requests"), std::string::npos) << answer;
  EXPECT_TRUE(refused.closed_by_peer_within(5s));
  EXPECT_NE(status_line(server->port(), "127.0.0.1", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").find(" 200 "),
            std::string::npos);
  held.pop_back();  // a place frees up for 127.0.0.2
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    served = status_line(server->port(), "127.0.0.2", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                 .find(" 200 ") != std::string::npos;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served);
}

TEST(Limits, ConnectionLimitStaysBelowTheDescriptorLimit) {
  rlimit descriptors{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &descriptors), 0);
  ServerOptions options = limited_options();
  options.max_connections = 10'000'000;
  options.reserved_descriptors = 100;
  auto server = start_server(upload_router(), options);
  EXPECT_EQ(server->connection_limit(), descriptors.rlim_cur - 100);
  options.max_connections = 5;
  EXPECT_EQ(start_server(upload_router(), options)->connection_limit(), 5u);
}

// A /hooks body of 60,000 bytes declared, 10 sent, then nothing: it holds its reservation.
std::unique_ptr<RawSocket> stalled_upload(std::uint16_t port, const char* source, const std::string& extra = {}) {
  auto socket = std::make_unique<RawSocket>(port, source);
  socket->send("POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n" + extra + "\r\n0123456789");
  return socket;
}

std::string upload(std::uint16_t port, const char* source, const std::string& extra = {}) {
  return status_line(port, source,
                     "POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n" + extra + "\r\n" +
                         std::string(60'000, 'x'));
}

ServerOptions budget_options() {
  ServerOptions options = limited_options();
  options.body_timeout = 30s;  // stalled uploads stay for the whole test
  options.body_budget_per_address = 100'000;
  options.body_budget = 150'000;
  return options;
}

TEST(Limits, AnonymousBodiesBeyondAnAddressBudgetAre429BeforeTheyAreRead) {
  auto server = start_server(upload_router(), budget_options());
  const auto stalled = stalled_upload(server->port(), "127.0.0.2");
  std::this_thread::sleep_for(200ms);  // its headers were read and its body reserved
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(upload(server->port(), "127.0.0.2").find(" 429 "), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_NE(upload(server->port(), "127.0.0.1").find(" 200 "), std::string::npos);
  EXPECT_NE(status_line(server->port(), "127.0.0.2", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").find(" 200 "),
            std::string::npos);  // bodiless requests need no budget
}

TEST(Limits, AnonymousBodiesBeyondTheServerBudgetAre503) {
  auto server = start_server(upload_router(), budget_options());
  const auto first = stalled_upload(server->port(), "127.0.0.2");
  const auto second = stalled_upload(server->port(), "127.0.0.3");
  std::this_thread::sleep_for(200ms);
  EXPECT_NE(upload(server->port(), "127.0.0.4").find(" 503 "), std::string::npos);
}

TEST(Limits, ABodyHoldsItsReservationOnlyUntilItIsHandled) {
  auto server = start_server(upload_router(), budget_options());
  for (int i = 0; i < 5; ++i) EXPECT_NE(upload(server->port(), "127.0.0.2").find(" 200 "), std::string::npos);
}

TEST(Limits, BodiesWithCredentialsAreNotCountedAgainstTheAnonymousBudgets) {
  Router router = upload_router();
  router.identify_with([](const Request& head) { return head.header("Authorization") == "Bearer good"; });
  auto server = start_server(std::move(router), budget_options());
  const auto stalled = stalled_upload(server->port(), "127.0.0.2");
  const auto stalled_with_credentials = stalled_upload(server->port(), "127.0.0.2", "Authorization: Bearer good\r\n");
  std::this_thread::sleep_for(200ms);
  EXPECT_NE(upload(server->port(), "127.0.0.2", "Authorization: Bearer good\r\n").find(" 200 "), std::string::npos);
  EXPECT_NE(upload(server->port(), "127.0.0.2", "Authorization: Bearer bad\r\n").find(" 429 "), std::string::npos);
}

TEST(Limits, ABodysDeadlineGrowsWithItsLength) {
  ServerOptions options = limited_options();
  options.body_timeout = 300ms;
  options.body_min_rate = 20'000;  // 60,000 bytes: 3 s more
  auto server = start_server(upload_router(), options);
  const auto start = std::chrono::steady_clock::now();
  const auto stalled = stalled_upload(server->port(), "127.0.0.1");
  EXPECT_TRUE(stalled->closed_by_peer_within(10s));
  const auto held = std::chrono::steady_clock::now() - start;
  EXPECT_GE(held, 3s);
  EXPECT_LT(held, 6s);
}

TEST(ClientLimits, AnIPv6ClientIsItsSlash64) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(detail::client_of(make_address("2001:db8:1:2::7")), detail::client_of(make_address("2001:db8:1:2:ff::1")));
  EXPECT_NE(detail::client_of(make_address("2001:db8:1:2::7")), detail::client_of(make_address("2001:db8:1:3::7")));
  EXPECT_EQ(detail::client_of(make_address("::ffff:10.0.0.7")), "10.0.0.7");
  EXPECT_EQ(detail::client_of(make_address("10.0.0.7")), "10.0.0.7");
}

TEST(ClientLimits, HoldsGiveTheirShareBack) {
  detail::ClientLimits limits{{.connections_per_address = 1, .body_bytes_per_address = 10, .body_bytes = 15}};
  {
    auto connection = limits.admit_connection("a");
    ASSERT_TRUE(connection);
    EXPECT_FALSE(limits.admit_connection("a"));
    EXPECT_TRUE(limits.admit_connection("b"));
    auto body = limits.reserve_body("a", 10);
    ASSERT_TRUE(std::holds_alternative<detail::ClientLimits::Hold>(body));
    EXPECT_EQ(std::get<detail::ClientLimits::Refusal>(limits.reserve_body("a", 1)),
              detail::ClientLimits::Refusal::address);
    EXPECT_EQ(std::get<detail::ClientLimits::Refusal>(limits.reserve_body("b", 6)),
              detail::ClientLimits::Refusal::server);
    auto moved = std::move(*connection);
    EXPECT_EQ(limits.clients(), 1u);
  }
  EXPECT_EQ(limits.clients(), 0u);
  EXPECT_TRUE(limits.admit_connection("a"));
}

}  // namespace
}  // namespace http
