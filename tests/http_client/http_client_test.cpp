// One exchange at a time against real servers on 127.0.0.1: the project's
// own, and raw_server.h's scripted one for chunked and close-delimited
// answers, closed connections and counted accepts. What is sent, what comes
// back, streamed bodies, header lines, kept connections, aborts, timeouts and
// no answer.
#include "http_client/http_client.h"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "../http/test_support.h"
#include "raw_server.h"

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

TEST_F(HttpClientTest, HandsOnTheHeaderLineByLine) {
  std::vector<std::string> lines;
  const auto reply = client_.perform({.method = "PUT", .url = base_ + "/echo", .body = "x",
                                      .on_header = [&](std::string_view line) { lines.emplace_back(line); }});
  EXPECT_EQ(reply.status, 201) << reply.error;
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front(), "HTTP/1.1 201 Created\r\n");
  EXPECT_EQ(lines.back(), "\r\n");
  EXPECT_NE(std::find(lines.begin(), lines.end(), "Content-Length: 5\r\n"), lines.end());
}

TEST_F(HttpClientTest, StreamsTheBodyWhenAskedAndReusesTheClient) {
  std::string streamed;
  for (int i = 0; i < 3; ++i) {
    streamed.clear();
    const auto reply = client_.perform({.method = "PUT", .url = base_ + "/echo", .body = std::string(100'000, 'x'),
                                        .on_body = [&](std::string_view piece) { streamed += piece; }});
    EXPECT_EQ(reply.status, 201) << reply.error;
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
  EXPECT_EQ(late.error, "timed out after 300 ms");

  release_held();
  server_->stop();
  const auto gone = client_.perform({.url = base_ + "/echo"});
  EXPECT_EQ(gone.status, 0);
  EXPECT_FALSE(gone.error.empty());
}

}  // namespace

namespace {

using http_client::testing::bound_socket;
using http_client::testing::Peer;
using http_client::testing::RawServer;
using namespace std::chrono_literals;

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// Answers every request on a connection with `answer` until the client closes it.
std::function<void(Peer&)> answering(std::string answer) {
  return [answer](Peer& peer) {
    while (!peer.read_message().empty()) peer.write(answer);
  };
}

// Reads one request and holds the connection, unanswered, until the client closes it.
void holding(Peer& peer) {
  peer.read_message();
  peer.read_message();
}

bool comes_within(std::chrono::milliseconds limit, const std::atomic<bool>& flag) {
  for (const auto until = std::chrono::steady_clock::now() + limit; !flag;)
    if (std::chrono::steady_clock::now() >= until) return false;
    else std::this_thread::sleep_for(5ms);
  return true;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST(HttpClientConnection, KeepsTheConnectionForTheNextRequestToTheSameServer) {
  RawServer server{answering(kOk)};
  http_client::Client client;
  for (int i = 0; i < 3; ++i) {
    const auto reply = client.perform({.url = server.url()});
    EXPECT_EQ(reply.status, 200) << reply.error;
    EXPECT_EQ(reply.body, "ok");
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientConnection, OpensANewConnectionAfterTheServerSaidConnectionClose) {
  RawServer server{answering("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")};
  http_client::Client client;
  EXPECT_EQ(client.perform({.url = server.url()}).status, 200);
  EXPECT_EQ(client.perform({.url = server.url()}).status, 200);
  EXPECT_EQ(server.accepted(), 2) << "the server keeps reading, so a reused connection would have been answered";
}

TEST(HttpClientConnection, SendsOnceMoreWhenTheServerClosedTheKeptConnectionMeanwhile) {
  RawServer server{[](Peer& peer) {
    if (!peer.read_message().empty()) peer.write(kOk);
  }};  // and then closes the idle connection, as servers do after a while
  http_client::Client client;
  const auto first = client.perform({.url = server.url()});
  std::this_thread::sleep_for(100ms);
  const auto second = client.perform({.method = "POST", .url = server.url(), .body = "once more"});
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientConnection, ANewConnectionClosedBeforeAnyAnswerIsNotTriedAgain) {
  RawServer server{[](Peer& peer) { peer.read_message(); }};
  http_client::Client client;
  const auto reply = client.perform({.url = server.url()});
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.error, "127.0.0.1:" + std::to_string(server.port()) + " closed the connection before answering");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientRequest, SendsHostUserAgentAndContentLengthButNoExpect) {
  std::promise<std::string> seen;
  RawServer server{[&](Peer& peer) {
    seen.set_value(peer.read_message());
    peer.write(kOk);
  }};
  http_client::Client client;
  const std::string body(20'000, 'b');
  const auto reply = client.perform({.method = "POST", .url = server.url("/path?q=1"), .headers = {"X-Token: t1"},
                                     .body = body, .user_agent = "FactoryCI"});
  EXPECT_EQ(reply.status, 200) << reply.error;
  const std::string request = seen.get_future().get();
  EXPECT_TRUE(request.starts_with("POST /path?q=1 HTTP/1.1\r\n")) << request.substr(0, 200);
  for (const std::string& line : {"Host: 127.0.0.1:" + std::to_string(server.port()), std::string{"User-Agent: FactoryCI"},
                                 std::string{"Content-Length: 20000"}, std::string{"X-Token: t1"}})
    EXPECT_NE(request.find("\r\n" + line + "\r\n"), std::string::npos) << line;
  EXPECT_EQ(request.find("Expect"), std::string::npos);
  EXPECT_TRUE(request.ends_with("\r\n\r\n" + body));
}

TEST(HttpClientBody, HandsChunksToOnBodyAsTheyArrive) {
  std::atomic<bool> first_seen{false}, seen_before_the_end{false};
  RawServer server{[&](Peer& peer) {
    peer.read_message();
    peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n");
    seen_before_the_end = comes_within(5s, first_seen);
    peer.write("7\r\nsecond\n\r\n0\r\n\r\n");
  }};
  http_client::Client client;
  std::string streamed;
  const auto reply = client.perform({.url = server.url(), .timeout = 0ms, .on_body = [&](std::string_view piece) {
                                       streamed += piece;
                                       if (streamed == "first\n") first_seen = true;
                                     }});
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(streamed, "first\nsecond\n");
  EXPECT_TRUE(seen_before_the_end) << "the first chunk came to on_body only with the end of the answer";
  EXPECT_TRUE(reply.body.empty());
}

TEST(HttpClientBody, ReadsChunkedAndCloseDelimitedBodiesWhole) {
  RawServer chunked{answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")};
  RawServer until_close{[](Peer& peer) {
    peer.read_message();
    peer.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end");
  }};
  http_client::Client client;
  EXPECT_EQ(client.perform({.url = chunked.url()}).body, "abcde");
  EXPECT_EQ(client.perform({.url = until_close.url()}).body, "to the end");
  EXPECT_EQ(client.perform({.url = until_close.url()}).body, "to the end") << "a new connection for the next";
}

TEST(HttpClientTimeouts, TheTimeoutBoundsTheWholeExchangeNotEachRead) {
  RawServer trickling{[](Peer& peer) {
    peer.read_message();
    peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (peer.write("1\r\nx\r\n")) std::this_thread::sleep_for(50ms);
  }};
  http_client::Client client;
  const auto started = std::chrono::steady_clock::now();
  const auto reply = client.perform({.url = trickling.url(), .timeout = 300ms});
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.error, "timed out after 300 ms");
  EXPECT_TRUE(reply.body.empty());
  EXPECT_GE(since(started), 300ms);
  EXPECT_LT(since(started), 1s);
}

TEST(HttpClientTimeouts, ConnectingIsBoundedByTheConnectTimeout) {
  std::string port;
  const int full = bound_socket(port);  // a listener whose backlog of none is taken: SYNs go unanswered
  listen(full, 0);
  const int taker = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = htons(std::stoi(port)), .sin_addr = {htonl(INADDR_LOOPBACK)}};
  ASSERT_EQ(connect(taker, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);

  http_client::Client client;
  const auto started = std::chrono::steady_clock::now();
  const auto reply = client.perform({.url = "http://127.0.0.1:" + port + "/", .connect_timeout = 200ms});
  EXPECT_EQ(reply.error, "connecting to 127.0.0.1:" + port + " timed out after 200 ms");
  EXPECT_LT(since(started), 700ms);
  close(taker);
  close(full);
}

TEST(HttpClientTimeouts, ARefusedConnectionOrABadUrlIsNoAnswerWithAReason) {
  std::string port;
  const int bound = bound_socket(port);
  http_client::Client client;
  const auto refused = client.perform({.url = "http://127.0.0.1:" + port + "/"});
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.error, "connection refused to 127.0.0.1:" + port);
  close(bound);

  const auto scheme = client.perform({.url = "ftp://127.0.0.1/file"});
  EXPECT_EQ(scheme.status, 0);
  EXPECT_NE(scheme.error.find("unsupported scheme \"ftp\""), std::string::npos) << scheme.error;
  EXPECT_NE(client.perform({.url = "http://[::1/"}).error.find("bad URL"), std::string::npos);
}

TEST(HttpClientAbort, AnAbortFromAnotherThreadEndsAHeldRequestPromptly) {
  RawServer server{holding};
  http_client::Client client;
  std::atomic<bool> stop{false};
  std::chrono::steady_clock::time_point stopped_at;
  std::thread stopper{[&] {
    std::this_thread::sleep_for(300ms);
    stopped_at = std::chrono::steady_clock::now();
    stop = true;
  }};
  const auto reply = client.perform({.url = server.url(), .timeout = 0ms, .abort = [&] { return stop.load(); }});
  const auto ended = std::chrono::steady_clock::now();
  stopper.join();
  EXPECT_TRUE(reply.aborted);
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.error, "aborted");
  EXPECT_LT(ended - stopped_at, 200ms);
}

}  // namespace
