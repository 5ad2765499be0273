// The server over real sockets: routing, query decoding, errors, keep-alive,
// the access log and many clients at once.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

#include "test_support.h"

namespace http {
namespace {

using namespace http::testing;
using namespace std::string_literals;
using nlohmann::json;

// Echoes what the handler saw, as JSON.
Response describe(Request& request) {
  json query = json::array();
  for (const auto& [name, value] : request.query_parameters) query.push_back({name, value});
  json params = json::object();
  for (const auto& [name, value] : request.path_parameters) params[name] = value;
  return Response::json(200, {{"method", request.method},
                              {"path", request.path},
                              {"query", query},
                              {"params", params},
                              {"body", request.body},
                              {"agent", request.header("USER-AGENT").value_or("")},
                              {"remote", request.remote_address},
                              {"port", request.remote_port}});
}

Router echo_router() {
  Router router;
  router.add("GET", "/projects/{id}", describe);
  router.add("PUT", "/projects/{id}", describe);
  router.add("POST", "/projects", describe);
  router.add("GET", "/project", describe);
  return router;
}

TEST(Server, RoutesWithPathParametersAndDecodedQuery) {
  auto server = start_server(echo_router());
  Client client{server->port()};
  const Reply reply = client.get("/projects/web%20site?id=a%2Bb&name=x+y&flag&id=2");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers.at("content-type"), "application/json");
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["path"], "/projects/web site");
  EXPECT_EQ(body["params"]["id"], "web site");
  EXPECT_EQ(body["query"], json::parse(R"([["id","a+b"],["name","x y"],["flag",""],["id","2"]])"));
  EXPECT_EQ(body["remote"], "127.0.0.1");
}

TEST(Server, SendsServerAndDateHeaders) {
  auto server = start_server(echo_router());
  const Reply reply = Client{server->port()}.get("/healthz");
  EXPECT_EQ(reply.headers.at("server"), "FactoryCI");
  std::tm parsed{};
  const std::string date = reply.headers.at("date");
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parsed);
  ASSERT_NE(end, nullptr) << date;
  EXPECT_EQ(*end, '\0') << date;
  EXPECT_LT(std::abs(std::difftime(timegm(&parsed), std::time(nullptr))), 60.0) << date;
}

TEST(Server, PassesBodyAndHeaders) {
  auto server = start_server(echo_router());
  Client client{server->port()};
  const Reply reply = client.request("POST", "/projects", R"({"name":"web"})",
                                     {"Content-Type: application/json", "User-Agent: probe/1"});
  ASSERT_EQ(reply.status, 200);
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["body"], R"({"name":"web"})");
  EXPECT_EQ(body["agent"], "probe/1");
}

TEST(Server, AnswersUnknownPaths404AndWrongMethods405WithAllow) {
  auto server = start_server(echo_router());
  Client client{server->port()};
  const Reply missing = client.get("/nowhere");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "not_found");
  const Reply wrong = client.request("DELETE", "/projects/7");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.at("allow"), "GET, PUT");
  EXPECT_EQ(json::parse(wrong.body)["error"]["code"], "method_not_allowed");
}

TEST(Server, MalformedEscapesAre400) {
  auto server = start_server(echo_router());
  Client client{server->port()};
  EXPECT_EQ(client.get("/project?id=%zz").status, 400);
  EXPECT_EQ(client.get("/projects/%g1").status, 400);
}

TEST(Server, HealthzIsBuiltIn) {
  auto server = start_server(Router{});
  Client client{server->port()};
  const Reply reply = client.get("/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body)["status"], "ok");
}

TEST(Server, KeepsTheConnectionAliveAcrossRequests) {
  auto server = start_server(echo_router());
  Client client{server->port()};
  const Reply first = client.get("/projects/1");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.new_connections, 1);
  const auto port = json::parse(first.body)["port"];
  for (int i = 2; i <= 6; ++i) {
    const Reply next = i % 2 ? client.get("/projects/" + std::to_string(i))
                             : client.request("PUT", "/projects/" + std::to_string(i), "x");
    ASSERT_EQ(next.status, 200);
    EXPECT_EQ(next.new_connections, 0) << "request " << i << " opened a new connection";
    EXPECT_EQ(json::parse(next.body)["port"], port);  // the same client socket, seen by the server
  }
}

TEST(Server, AnswersPipelinedRequestsInOrder) {
  auto server = start_server(echo_router());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.connected());
  ASSERT_TRUE(socket.send("GET /projects/a HTTP/1.1\r\nHost: x\r\n\r\nGET /projects/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string first = socket.read_until(R"("remote":"127.0.0.1"})");
  const std::string second = socket.read_until(R"("remote":"127.0.0.1"})");
  EXPECT_NE(first.find(R"("id":"a")"), std::string::npos) << first;
  EXPECT_NE(second.find(R"("id":"b")"), std::string::npos) << second;
}

TEST(Server, AnswersHeadLikeGetWithoutTheBody) {
  auto server = start_server(echo_router());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.send("HEAD /projects/a HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string head = socket.read_until("\r\n\r\n");
  EXPECT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length: 0"), std::string::npos) << head;
  // The next bytes are the second response, not a body.
  EXPECT_EQ(socket.read_until("\r\n").substr(0, 15), "HTTP/1.1 200 OK");
}

TEST(Server, ClosesWhenTheClientAsks) {
  auto server = start_server(echo_router());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_NE(socket.read_until("\r\n\r\n").find("Connection: close"), std::string::npos);
  EXPECT_TRUE(socket.closed_by_peer_within(5s));
}

TEST(Server, GarbageIs400AndClosed) {
  auto server = start_server(echo_router());
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.send("GARBAGE\r\n\r\n"));
  EXPECT_NE(socket.read_until("\r\n").find("400"), std::string::npos);
  EXPECT_TRUE(socket.closed_by_peer_within(5s));
}

TEST(Server, SurvivesMalformedRequests) {
  auto server = start_server(echo_router());
  // Unparseable requests: 400, and the connection closes (its framing is lost).
  const std::vector<std::string> unparseable{
      "GET / HTTP/9.9\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
      "POST /projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST /projects HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /projects HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "GET /he\0lthz HTTP/1.1\r\n\r\n"s,  // a NUL in the target
  };
  for (const auto& request : unparseable) {
    RawSocket socket{server->port()};
    ASSERT_TRUE(socket.send(request));
    EXPECT_NE(socket.read_until("\r\n").find(" 400 "), std::string::npos) << request;
    EXPECT_TRUE(socket.closed_by_peer_within(5s)) << request;
  }
  // Well-framed requests for targets we do not serve: 400, connection kept.
  RawSocket socket{server->port()};
  for (const std::string target : {"*", "http://x/healthz"}) {
    ASSERT_TRUE(socket.send("OPTIONS " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_NE(socket.read_until("\r\n").find(" 400 "), std::string::npos) << target;
    socket.read_until("}}");  // the rest of the error body
  }
  EXPECT_EQ(Client{server->port()}.get("/healthz").status, 200);
}

TEST(Server, WritesOneAccessLogEntryPerRequest) {
  std::mutex mutex;
  std::vector<std::string> lines;
  ServerOptions options = quiet_options();
  options.access_log = [&](const AccessLogEntry& e) {
    std::lock_guard lock{mutex};
    lines.push_back(std::string{e.method} + " " + std::string{e.target} + " " + std::to_string(e.status) + " " +
                    std::to_string(e.bytes) + " " + std::string{e.route} + " " + std::string{e.remote_address} +
                    (e.duration.count() > 0 ? " timed" : " untimed"));
  };
  auto server = start_server(echo_router(), options);
  Client client{server->port()};
  const Reply ok = client.get("/projects/1?x=y");
  client.get("/missing");
  server->stop();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "GET /projects/1?x=y 200 " + std::to_string(ok.body.size()) + " /projects/{id} 127.0.0.1 timed");
  EXPECT_EQ(lines[1].substr(0, 17), "GET /missing 404 ");
  EXPECT_NE(lines[1].find(" unmatched 127.0.0.1 timed"), std::string::npos);
}

TEST(Server, ServesManyClientsAtOnce) {
  auto server = start_server(echo_router());
  constexpr int threads = 8;
  constexpr int requests = 40;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      Client client{server->port()};
      for (int i = 0; i < requests; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        const Reply reply = client.get("/projects/" + id);
        if (reply.status == 200 && json::parse(reply.body)["params"]["id"] == id) ++good;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(good, threads * requests);
}

TEST(Server, StartThrowsWhenThePortIsTaken) {
  auto first = start_server(Router{});
  ServerOptions options = quiet_options();
  options.port = first->port();
  Server second{Router{}, options};
  EXPECT_THROW(second.start(), std::system_error);
}

TEST(Server, JsonAnswersReplaceInvalidUtf8InsteadOfFailing) {
  Router router;
  router.add("GET", "/echo", [](Request&) { return Response::json(200, {{"path", "src/caf\xe9.c"}}); });
  auto server = start_server(std::move(router));
  const Reply reply = Client{server->port()}.get("/echo");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["path"], "src/caf\xef\xbf\xbd.c");  // U+FFFD
}

}  // namespace
}  // namespace http
