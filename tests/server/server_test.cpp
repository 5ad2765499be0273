// `factory server` on an empty temporary data directory: first start, the
// admin token, authentication, the seed endpoints, graceful shutdown.
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../http/test_support.h"
#include "server_process.h"

namespace server::testing {
namespace {

using http::testing::Client;
using http::testing::RawSocket;
using nlohmann::json;

std::string read_file(const fs::path& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

std::string read_token(const fs::path& data_dir) {
  std::string token = read_file(data_dir / "admin.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token;
}

unsigned mode_of(const fs::path& path) {
  struct stat info{};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class ServerTest : public ::testing::Test {
 protected:
  fs::path data_dir() const { return temp.path() / "data"; }
  std::unique_ptr<ServerProcess> start() {
    auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"--data-dir", data_dir().string()});
    EXPECT_NE(server->port(), 0) << server->child().out() << server->child().err();
    return server;
  }
  static std::vector<std::string> bearer(const std::string& token) {
    return {"Authorization: Bearer " + token, "Content-Type: application/json"};
  }

  TempDir temp;
};

TEST_F(ServerTest, FirstStartMakesAPrivateDataDirWithTheAdminToken) {
  auto server = start();
  EXPECT_EQ(mode_of(data_dir()), 0700u);
  EXPECT_EQ(mode_of(data_dir() / "admin.token"), 0600u);
  EXPECT_EQ(mode_of(data_dir() / "secrets.key"), 0600u);
  const std::string token = read_token(data_dir());
  EXPECT_EQ(token.rfind("fct_", 0), 0u) << token;
  EXPECT_NE(server->child().out().find((data_dir() / "admin.token").string()), std::string::npos);
  server->child().signal(SIGTERM);
  EXPECT_EQ(server->child().wait(), 0) << server->child().err();
  EXPECT_EQ(server->child().out().find(token), std::string::npos) << "the secret is never printed";
  EXPECT_EQ(server->child().err().find(token), std::string::npos) << "the secret is never logged";
}

TEST_F(ServerTest, HealthIsPublicAndTheApiNeedsTheAdminToken) {
  auto server = start();
  Client client{server->port()};
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(client.get("/api/v1/owners").status, 401);
  EXPECT_EQ(client.request("GET", "/api/v1/projects", {}, bearer("fct_wrong")).status, 401);
  const auto listed = client.request("GET", "/api/v1/projects", {}, bearer(read_token(data_dir())));
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(json::parse(listed.body)["items"], json::array());
}

TEST_F(ServerTest, AProjectCreatedThroughTheSeedEndpointReadsBack) {
  auto server = start();
  Client client{server->port()};
  const auto token = read_token(data_dir());
  const json project{{"owner", "acme"}, {"project", "web"}, {"url", "https://github.com/acme/web.git"}};
  const auto created = client.request("POST", "/project", project.dump(), bearer(token));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json::parse(created.body)["id"];
  const auto read = client.request("GET", "/project?id=" + id, {}, bearer(token));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(json::parse(read.body), (json{{"id", id}, {"owner", "acme"}, {"project", "web"},
                                          {"url", "https://github.com/acme/web.git"}}));
  server->child().signal(SIGTERM);
  ASSERT_EQ(server->child().wait(), 0);
  EXPECT_NE(server->child().err().find("\"POST /project\" 201"), std::string::npos) << "access log";
}

TEST_F(ServerTest, ASecondStartKeepsTheAdminTokenAndTheData) {
  std::string first_token;
  {
    auto server = start();
    first_token = read_token(data_dir());
    Client client{server->port()};
    const json project{{"owner", "acme"}, {"project", "web"}, {"url", "https://github.com/acme/web.git"}};
    ASSERT_EQ(client.request("POST", "/project", project.dump(), bearer(first_token)).status, 201);
    server->child().signal(SIGINT);
    ASSERT_EQ(server->child().wait(), 0);
  }
  auto server = start();
  EXPECT_EQ(read_token(data_dir()), first_token);
  Client client{server->port()};
  const auto listed = client.request("GET", "/api/v1/projects", {}, bearer(first_token));
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json::parse(listed.body)["items"].size(), 1u);
}

TEST_F(ServerTest, SigtermDuringARequestAnswersItThenExitsZero) {
  auto server = start();
  const std::string body = R"({"owner": "acme", "project": "web", "url": "https://github.com/acme/web.git"})";
  RawSocket socket{server->port()};
  ASSERT_TRUE(socket.connected());
  ASSERT_TRUE(socket.send("POST /project HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + read_token(data_dir()) +
                          "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  // The interim answer shows the server has the request's headers: it is in flight.
  const std::string interim = socket.read_until("\r\n\r\n");
  ASSERT_EQ(interim.rfind("HTTP/1.1 100", 0), 0u) << interim;
  ASSERT_TRUE(socket.send(body.substr(0, 10)));
  server->child().signal(SIGTERM);
  ASSERT_TRUE(server->child().wait_for_line("SIGTERM"));
  std::this_thread::sleep_for(100ms);  // the server is stopping while the body is still incomplete
  ASSERT_TRUE(socket.send(body.substr(10)));
  const std::string reply = socket.read_until("\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 201", 0), 0u) << reply;
  EXPECT_EQ(server->child().wait(), 0) << server->child().err();
  EXPECT_NE(server->child().out().find("stopped"), std::string::npos);
}

TEST_F(ServerTest, APortInUseIsAnErrorNamingIt) {
  auto first = start();
  Child second{{"server", "--data-dir", (temp.path() / "other").string(), "--listen",
                "127.0.0.1:" + std::to_string(first->port())}};
  EXPECT_EQ(second.wait(), 1);
  EXPECT_NE(second.err().find("127.0.0.1:" + std::to_string(first->port())), std::string::npos) << second.err();
}

TEST_F(ServerTest, ASecretsKeyOthersMayReadStopsTheStart) {
  start()->child().signal(SIGTERM);
  fs::permissions(data_dir() / "secrets.key", fs::perms::others_read, fs::perm_options::add);
  Child refused{{"server", "--data-dir", data_dir().string(), "--listen", "127.0.0.1:0"}};
  EXPECT_EQ(refused.wait(), 1);
  EXPECT_NE(refused.err().find("secrets.key is accessible to other users"), std::string::npos) << refused.err();
}

}  // namespace
}  // namespace server::testing
