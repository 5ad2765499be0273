// Server-sent events over real sockets: events arrive one by one as they are
// sent, keep-alive comments flow, a client leaving is noticed, many viewers
// share two I/O threads, and stop() closes streams.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_support.h"

namespace http {
namespace {

using namespace http::testing;

// Collects the streams clients open, as an application's log follower would.
class Viewers {
 public:
  Router router() {
    Router router;
    router.add("GET", "/events", [this](Request& request) {
      const std::string resume_from{request.header("Last-Event-ID").value_or("")};
      return Response::event_stream([this, resume_from](std::shared_ptr<EventStream> stream) {
        if (!resume_from.empty()) stream->send({.data = "resuming after " + resume_from});
        stream->on_close([this] {
          std::lock_guard lock{mutex_};
          ++closed_;
          changed_.notify_all();
        });
        std::lock_guard lock{mutex_};
        streams_.push_back(std::move(stream));
        changed_.notify_all();
      });
    });
    return router;
  }

  bool wait_for(std::size_t opened, std::size_t closed = 0) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, 20s, [&] { return streams_.size() >= opened && closed_ >= closed; });
  }

  std::shared_ptr<EventStream> stream(std::size_t i) {
    std::lock_guard lock{mutex_};
    return streams_.at(i);
  }

  void broadcast(const Event& event) {
    std::lock_guard lock{mutex_};
    for (auto& stream : streams_) stream->send(event);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::shared_ptr<EventStream>> streams_;
  std::size_t closed_ = 0;
};

constexpr const char* subscribe = "GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";

TEST(EventStream, DeliversEventsAsTheyAreSent) {
  Viewers viewers;
  auto server = start_server(viewers.router());
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  const std::string head = client.read_until("\r\n\r\n");
  EXPECT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(head.find("Cache-Control: no-cache"), std::string::npos);
  ASSERT_TRUE(viewers.wait_for(1));

  EXPECT_TRUE(viewers.stream(0)->send({.data = "line one\nline two", .event = "log", .id = "1"}));
  EXPECT_EQ(client.read_until("\n\n"), "id: 1\nevent: log\ndata: line one\ndata: line two\n\n");
  // Nothing more is sent until the next event: the client is not waiting on a buffer.
  EXPECT_EQ(client.read_until("\n\n", 300ms), "");
  EXPECT_TRUE(viewers.stream(0)->send({.data = "second", .id = "2"}));
  EXPECT_EQ(client.read_until("\n\n"), "id: 2\ndata: second\n\n");
}

TEST(EventStream, HandlerSeesLastEventIdForResuming) {
  Viewers viewers;
  auto server = start_server(viewers.router());
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n"));
  client.read_until("\r\n\r\n");
  EXPECT_EQ(client.read_until("\n\n"), "data: resuming after 41\n\n");
}

TEST(EventStream, SendsKeepAliveComments) {
  Viewers viewers;
  ServerOptions options = quiet_options();
  options.sse_keepalive = 200ms;
  auto server = start_server(viewers.router(), options);
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  client.read_until("\r\n\r\n");
  EXPECT_EQ(client.read_until("\n\n", 10s), ": keep-alive\n\n");
  EXPECT_EQ(client.read_until("\n\n", 10s), ": keep-alive\n\n");
}

TEST(EventStream, NoticesTheClientLeaving) {
  Viewers viewers;
  auto server = start_server(viewers.router());
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  ASSERT_TRUE(viewers.wait_for(1));
  EXPECT_TRUE(viewers.stream(0)->is_open());
  client.close();
  ASSERT_TRUE(viewers.wait_for(1, 1));
  EXPECT_FALSE(viewers.stream(0)->is_open());
  EXPECT_FALSE(viewers.stream(0)->send({.data = "nobody listens"}));
  bool called = false;
  viewers.stream(0)->on_close([&] { called = true; });  // already closed: runs at once
  EXPECT_TRUE(called);
}

TEST(EventStream, ServerSideCloseEndsTheResponse) {
  Viewers viewers;
  auto server = start_server(viewers.router());
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  ASSERT_TRUE(viewers.wait_for(1));
  viewers.stream(0)->close();
  EXPECT_TRUE(client.closed_by_peer_within(5s));
  EXPECT_TRUE(viewers.wait_for(1, 1));
}

// A sender of more than the queue holds sends a piece at a time, the next
// once the last was written: 100 pieces of 3,000 bytes through a queue of
// 4,096 all arrive, in order.
TEST(EventStream, OnDrainedPacesASenderOfMoreThanTheQueueHolds) {
  Viewers viewers;
  ServerOptions options = quiet_options();
  options.sse_queue_limit = 4096;
  auto server = start_server(viewers.router(), options);
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  client.read_until("\r\n\r\n");
  ASSERT_TRUE(viewers.wait_for(1));
  const std::shared_ptr<EventStream> stream = viewers.stream(0);
  std::function<void(int)> send_from = [&](int piece) {
    if (piece == 100) return;
    EXPECT_TRUE(stream->send({.data = std::string(3'000, 'x'), .id = std::to_string(piece)}));
    stream->on_drained([&, piece] { send_from(piece + 1); });
  };
  send_from(0);
  for (int piece = 0; piece < 100; ++piece)
    ASSERT_EQ(client.read_until("\n\n"), "id: " + std::to_string(piece) + "\ndata: " + std::string(3'000, 'x') + "\n\n");
  EXPECT_TRUE(stream->is_open());
}

TEST(EventStream, ViewerTooFarBehindIsDisconnected) {
  Viewers viewers;
  ServerOptions options = quiet_options();
  options.sse_queue_limit = 4096;
  auto server = start_server(viewers.router(), options);
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  ASSERT_TRUE(viewers.wait_for(1));
  EXPECT_FALSE(viewers.stream(0)->send({.data = std::string(10'000, 'x')}));
  EXPECT_TRUE(viewers.wait_for(1, 1));
  EXPECT_TRUE(client.closed_by_peer_within(5s));
}

TEST(EventStream, ManyViewersShareTwoThreads) {
  constexpr std::size_t count = 200;
  Viewers viewers;
  auto server = start_server(viewers.router());
  std::vector<std::unique_ptr<RawSocket>> clients;
  for (std::size_t i = 0; i < count; ++i) {
    clients.push_back(std::make_unique<RawSocket>(server->port()));
    ASSERT_TRUE(clients.back()->send(subscribe));
  }
  ASSERT_TRUE(viewers.wait_for(count));
  // The plain API still answers while every viewer holds its stream open.
  Client api{server->port()};
  const Reply metrics = api.get("/metrics");
  EXPECT_NE(metrics.body.find("factory_http_event_streams " + std::to_string(count) + "\n"), std::string::npos);
  viewers.broadcast({.data = "build started", .id = "7"});
  for (auto& client : clients) {
    client->read_until("\r\n\r\n");
    EXPECT_EQ(client->read_until("\n\n"), "id: 7\ndata: build started\n\n");
  }
}

TEST(EventStream, StopClosesStreams) {
  Viewers viewers;
  auto server = start_server(viewers.router());
  RawSocket client{server->port()};
  ASSERT_TRUE(client.send(subscribe));
  ASSERT_TRUE(viewers.wait_for(1));
  const auto start = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(viewers.wait_for(1, 1));
  EXPECT_TRUE(client.closed_by_peer_within(1s));
  server.reset();  // the application may hold its streams longer than the server lives
  EXPECT_FALSE(viewers.stream(0)->send({.data = "late"}));
  viewers.stream(0)->close();
}

}  // namespace
}  // namespace http
