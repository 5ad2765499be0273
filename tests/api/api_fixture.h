// A server running the API on a fresh, empty database of the test's backend
// (the parameter: "sqlite", "mysql" or "postgres"; see
// tests/store/test_database.h) and a secrets key, with a valid token, and a
// client that sends it. It counts the calls of ApiOptions::workflow_queued.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>

#include "../http/test_support.h"
#include "../store/test_database.h"
#include "api/api.h"
#include "orchestrator/orchestrator.h"
#include "store/group_commit.h"

namespace api::testing {

using http::testing::Reply;
using nlohmann::json;

// Every backend, for INSTANTIATE_TEST_SUITE_P(Backends, Suite, ValuesIn(kBackends), backend_name).
inline constexpr const char* kBackends[] = {"sqlite", "mysql", "postgres"};
inline std::string backend_name(const ::testing::TestParamInfo<const char*>& info) { return info.param; }

class ApiTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    FACTORY_CREATE_TEST_DATABASE(database_, GetParam());
    auto opened = store::open(database_->url(), {.secrets_key = store::testing::test_secrets_key()});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auto token = store_->create_token("tests");
    ASSERT_TRUE(token);
    token_ = token->secret;
    orchestrator_ = std::make_unique<orchestrator::Orchestrator>(*store_, orchestrator::make_pool_provisioner(),
                                                                 orchestrator::Options{});
    orchestrator_->start();
    http::Router router;
    ApiOptions options;
    options.orchestrator = orchestrator_.get();
    group_commit_ = std::make_unique<store::GroupCommit>(*store_);
    options.group_commit = group_commit_.get();
    options.admins = admins_;
    options.workflow_queued = [this] {
      ++workflows_queued_;
      orchestrator_->workflow_queued();
    };
    configure(options);
    add_routes(router, *store_, options);
    server_ = http::testing::start_server(std::move(router));
    client_ = std::make_unique<http::testing::Client>(server_->port());
  }

  // Suites that need other ApiOptions (server admins, say) change them here.
  virtual void configure(ApiOptions&) {}

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

  // A call of the agent protocol, as agent `name` with an agent token.
  // An agent protocol call with an agent token, presenting `lease` (the
  // claim's answer) when given.
  Reply agent_call(const std::string& path, const json& body, const std::string& token,
                   const std::string& lease = {}) {
    std::vector<std::string> headers{"Authorization: Bearer " + token, "Content-Type: application/json"};
    if (!lease.empty()) headers.push_back("X-Factory-Lease: " + lease);
    return client_->request("POST", path, body.dump(), headers);
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
  std::size_t workflow_count(const std::string& project_id) {
    return store_->list_workflows(project_id, {.limit = 1000})->items.size();
  }

  // Declared in the order they depend on each other, so they end in reverse:
  // the client, the server, the store, then the database is dropped.
  std::vector<std::string> admins_;  // ApiOptions::admins; a suite sets them before SetUp
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::string token_;
  std::atomic<int> workflows_queued_{0};  // written by the server's threads
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;  // pool agents: the tests are the agents
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::testing::Client> client_;
  std::unique_ptr<store::GroupCommit> group_commit_;  // goes before the server, whose connections it answers
};

}  // namespace api::testing
