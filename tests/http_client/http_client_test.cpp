// One exchange at a time against a real server on 127.0.0.1: what is sent,
// what comes back, streamed bodies, header lines, aborts and no answer.
#include "http_client/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "../http/test_support.h"

namespace {

using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::Router router;
    router.add("PUT", "/echo", [](http::Request& request) {
      http::Response response = http::Response::text(201, std::string{request.method} + " " + request.body);
      response.headers.set("X-Seen-Token", std::string{request.header("X-Token").value_or("none")});
      return response;
    });
    router.add("GET", "/slow", [this](http::Request&) {  // answered never: held until tear-down
      return http::Response::later([this](http::Responder respond) {
        std::lock_guard lock{mutex_};
        held_.push_back(std::move(respond));
      });
    });
    server_ = http::testing::start_server(std::move(router));
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override { release_held(); }

  // Closes the connections of unanswered requests, so that the server stops at once.
  void release_held() {
    std::lock_guard lock{mutex_};
    held_.clear();
  }

  std::mutex mutex_;
  std::vector<http::Responder> held_;
  std::unique_ptr<http::Server> server_;
  std::string base_;
  http_client::Client client_;
};

TEST_F(HttpClientTest, SendsTheMethodHeadersAndBodyAndReadsTheAnswer) {
  std::string token_header;
  const auto reply = client_.perform({.method = "PUT",
                                      .url = base_ + "/echo",
                                      .headers = {"X-Token: t1"},
                                      .body = "hello",
                                      .on_header = [&](std::string_view line) {
                                        if (line.starts_with("X-Seen-Token:")) token_header = line;
                                      }});
  EXPECT_EQ(reply.status, 201) << reply.error;
  EXPECT_EQ(reply.body, "PUT hello");
  EXPECT_EQ(token_header, "X-Seen-Token: t1\r\n");
  EXPECT_TRUE(reply.error.empty());
}

TEST_F(HttpClientTest, StreamsTheBodyWhenAskedAndReusesTheClient) {
  std::string streamed;
  for (int i = 0; i < 3; ++i) {
    streamed.clear();
    const auto reply = client_.perform({.method = "PUT", .url = base_ + "/echo", .body = std::string(100'000, 'x'),
                                        .on_body = [&](std::string_view piece) { streamed += piece; }});
    EXPECT_EQ(reply.status, 201);
    EXPECT_TRUE(reply.body.empty()) << "the pieces went to on_body";
    EXPECT_EQ(streamed, "PUT " + std::string(100'000, 'x'));
  }
}

TEST_F(HttpClientTest, AnAbortEndsTheExchangeWithNoAnswer) {
  std::atomic<bool> stop{false};
  std::thread stopper{[&] {
    std::this_thread::sleep_for(200ms);
    stop = true;
  }};
  const auto started = std::chrono::steady_clock::now();
  const auto reply = client_.perform({.url = base_ + "/slow", .abort = [&] { return stop.load(); }});
  stopper.join();
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.aborted);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpClientTest, ATimeoutOrAServerThatIsGoneIsNoAnswerWithAReason) {
  const auto late = client_.perform({.url = base_ + "/slow", .timeout = 300ms});
  EXPECT_EQ(late.status, 0);
  EXPECT_FALSE(late.aborted);
  EXPECT_NE(late.error.find("imeout"), std::string::npos) << late.error;

  release_held();
  server_->stop();
  const auto gone = client_.perform({.url = base_ + "/echo"});
  EXPECT_EQ(gone.status, 0);
  EXPECT_FALSE(gone.error.empty());
}

}  // namespace
