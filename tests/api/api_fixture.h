// A server running the API on a fresh SQLite store in a temporary directory,
// with a valid token, and a client that sends it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../http/test_support.h"
#include "api/api.h"

namespace api::testing {

using http::testing::Reply;
using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "factory-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    auto opened = store::open("sqlite:" + directory_ + "/factory.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auto token = store_->create_token("tests");
    ASSERT_TRUE(token);
    token_ = token->secret;
    http::Router router;
    add_routes(router, *store_);
    server_ = http::testing::start_server(std::move(router));
    client_ = std::make_unique<http::testing::Client>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(directory_);
  }

  // A request with the token and, when there is a body, a JSON content type.
  Reply call(const std::string& method, const std::string& target, const std::string& body = {},
             std::vector<std::string> headers = {}) {
    headers.push_back("Authorization: Bearer " + token_);
    if (!body.empty()) headers.push_back("Content-Type: application/json");
    return client_->request(method, target, body, headers);
  }
  Reply call(const std::string& method, const std::string& target, const json& body) {
    return call(method, target, body.dump());
  }

  // Creates a project through the seed endpoint; returns its JSON.
  json create(const std::string& owner, const std::string& project, const std::string& url) {
    const Reply reply = call("POST", "/project", json{{"owner", owner}, {"project", project}, {"url", url}});
    EXPECT_EQ(reply.status, 201) << reply.body;
    return json::parse(reply.body);
  }

  static std::string error_code(const Reply& reply) {
    const json body = json::parse(reply.body, nullptr, false);
    return body.is_discarded() ? "(not JSON: " + reply.body + ")" : body["error"]["code"].get<std::string>();
  }

  std::size_t project_count() { return store_->list_projects({.limit = 1000})->items.size(); }
  std::size_t owner_count() { return store_->list_owners({.limit = 1000})->items.size(); }

  std::string directory_;
  std::unique_ptr<store::Store> store_;
  std::string token_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::testing::Client> client_;
};

}  // namespace api::testing
