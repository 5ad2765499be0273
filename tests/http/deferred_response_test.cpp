// Responses given later, from another thread (long polls): the connection
// waits without holding an I/O thread, and keep-alive goes on after.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "test_support.h"

namespace http {
namespace {

using namespace http::testing;

// Holds the responders of waiting requests until the test answers them.
struct Waiters {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Responder> pending;

  void add(Responder responder) {
    std::lock_guard lock{mutex};
    pending.push_back(std::move(responder));
    changed.notify_all();
  }
  void wait_for(std::size_t count) {
    std::unique_lock lock{mutex};
    changed.wait(lock, [&] { return pending.size() >= count; });
  }
  std::vector<Responder> take() {
    std::lock_guard lock{mutex};
    return std::exchange(pending, {});
  }
};

Router waiting_router(Waiters& waiters) {
  Router router;
  router.add("GET", "/wait", [&waiters](Request&) {
    return Response::later([&waiters](Responder responder) { waiters.add(std::move(responder)); });
  });
  router.add("GET", "/now", [](Request&) { return Response::text(200, "now"); });
  return router;
}

TEST(DeferredResponse, WaitingRequestsHoldNoThreadAndAnswerFromAnotherOne) {
  Waiters waiters;
  ServerOptions options = quiet_options();
  options.threads = 1;
  auto server = start_server(waiting_router(waiters), options);
  std::vector<Reply> replies(3);
  std::vector<std::thread> clients;
  for (auto& reply : replies)
    clients.emplace_back([&reply, port = server->port()] { reply = Client{port}.get("/wait"); });
  waiters.wait_for(3);
  // One I/O thread and three requests waiting: a fourth is still served.
  EXPECT_EQ(Client{server->port()}.get("/now").body, "now");
  std::thread answerer{[&] {
    int n = 0;
    for (auto& responder : waiters.take()) {
      responder(Response::text(200, "answer " + std::to_string(++n)));
      responder(Response::text(500, "a second answer is ignored"));
    }
  }};
  answerer.join();
  for (auto& client : clients) client.join();
  std::set<std::string> bodies;
  for (const auto& reply : replies) {
    EXPECT_EQ(reply.status, 200);
    bodies.insert(reply.body);
  }
  EXPECT_EQ(bodies, (std::set<std::string>{"answer 1", "answer 2", "answer 3"}));
}

TEST(DeferredResponse, TheConnectionIsKeptAliveAfterTheAnswer) {
  Waiters waiters;
  auto server = start_server(waiting_router(waiters));
  Client client{server->port()};
  std::thread answerer{[&] {
    waiters.wait_for(1);
    waiters.take().front()(Response::text(200, "late"));
  }};
  EXPECT_EQ(client.get("/wait").body, "late");
  answerer.join();
  const Reply next = client.get("/now");
  EXPECT_EQ(next.body, "now");
  EXPECT_EQ(next.new_connections, 0);
}

TEST(DeferredResponse, ADroppedResponderClosesTheConnection) {
  Waiters waiters;
  auto server = start_server(waiting_router(waiters));
  std::thread dropper{[&] {
    waiters.wait_for(1);
    waiters.take();  // dropped uncalled
  }};
  const Reply reply = Client{server->port()}.get("/wait");
  dropper.join();
  EXPECT_EQ(reply.status, 0);  // no answer: the connection closed
}

}  // namespace
}  // namespace http
