// `factory token create | list | revoke` on a server's data directory, and
// what a running server makes of the tokens.
#include <sstream>

#include "../http/test_support.h"
#include "server_process.h"

namespace server::testing {
namespace {

using http::testing::Client;

class TokenCommandTest : public ::testing::Test {
 protected:
  fs::path data_dir() const { return temp.path() / "data"; }

  // `factory token ARGS... --data-dir DATA`; expects `exit_code`, returns stdout.
  std::string token(std::vector<std::string> args, int exit_code = 0) {
    args.insert(args.begin(), "token");
    args.insert(args.end(), {"--data-dir", data_dir().string()});
    Child child{args};
    EXPECT_EQ(child.wait(), exit_code) << child.err();
    last_err = child.err();
    return child.out();
  }

  static std::string trimmed(std::string text) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  // The line of `table` that holds `text`.
  static std::string line_with(const std::string& table, const std::string& text) {
    std::istringstream lines{table};
    for (std::string line; std::getline(lines, line);) {
      if (line.find(text) != std::string::npos) return line;
    }
    return {};
  }

  static long status_with(Client& client, const std::string& secret) {
    return client.request("GET", "/api/v1/projects", {}, {"Authorization: Bearer " + secret}).status;
  }

  TempDir temp;
  std::string last_err;
};

TEST_F(TokenCommandTest, CreateListRevokeAgainstARunningServer) {
  ServerProcess server{{"--data-dir", data_dir().string()}};
  ASSERT_NE(server.port(), 0) << server.child().err();
  Client client{server.port()};

  const std::string secret = trimmed(token({"create", "deploy script"}));
  EXPECT_EQ(secret.rfind("fct_", 0), 0u) << secret;
  EXPECT_EQ(status_with(client, secret), 200);

  const std::string listed = token({"list"});
  EXPECT_EQ(listed.rfind("ID", 0), 0u) << listed;
  EXPECT_NE(line_with(listed, "admin"), "") << listed;
  EXPECT_EQ(listed.find(secret), std::string::npos) << "list never shows secrets";
  const std::string row = line_with(listed, "deploy script");
  const std::string id = row.substr(0, row.find(' '));
  EXPECT_EQ(id.size(), 36u) << listed;
  EXPECT_EQ(row.back(), '-') << "not revoked yet: " << row;

  EXPECT_EQ(token({"revoke", id}), "revoked token " + id + "\n");
  EXPECT_EQ(status_with(client, secret), 401);
  EXPECT_EQ(line_with(token({"list"}), id).back(), 'Z') << "a revoked time";
}

TEST_F(TokenCommandTest, AnUnknownIdIsAnError) {
  ServerProcess server{{"--data-dir", data_dir().string()}};
  ASSERT_NE(server.port(), 0);
  token({"revoke", "0190c9a4-0000-7000-8000-000000000000"}, 1);
  EXPECT_NE(last_err.find("factory token:"), std::string::npos) << last_err;
}

TEST_F(TokenCommandTest, AMissingDataDirectoryIsAnErrorNotANewInstallation) {
  token({"list"}, 1);
  EXPECT_NE(last_err.find("no data directory"), std::string::npos) << last_err;
  EXPECT_FALSE(fs::exists(data_dir()));
}

}  // namespace
}  // namespace server::testing
