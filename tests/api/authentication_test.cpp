// Every route but the public ones needs a valid bearer token, unless it
// lets anonymous callers in (the project list, which shows them public
// projects only).
#include "api_fixture.h"

namespace api::testing {
namespace {

// Each non-public API route with its {parameters} filled in, as the server has them.
std::vector<std::pair<std::string, std::string>> every_guarded_route(store::Store& store) {
  http::Router router;
  add_routes(router, store);
  std::vector<std::pair<std::string, std::string>> routes;
  for (const auto& route : router.routes()) {
    if (route.options.is_public) continue;  // the webhook: its signature authenticates it
    if (route.options.access == "server:none") continue;
    std::string target;
    for (const auto& segment : route.segments) {
      target += "/" + (segment.front() == '{' ? std::string{"01890000-0000-7000-8000-000000000000"} : segment);
    }
    routes.emplace_back(route.method, target);
  }
  return routes;
}

class AuthenticationTest : public ApiTest {};

TEST_P(AuthenticationTest, EveryApiRouteRefusesRequestsWithoutAValidToken) {
  const auto routes = every_guarded_route(*store_);
  ASSERT_GE(routes.size(), 19u);  // the seed endpoints, the v1 collections, workflows and logs
  for (const auto& [method, target] : routes) {
    for (const std::string& authorization : {std::string{}, std::string{"Authorization: Bearer fct_wrong"},
                                             std::string{"Authorization: Basic " + token_}}) {
      std::vector<std::string> headers{"Content-Type: application/json"};
      if (!authorization.empty()) headers.push_back(authorization);
      const Reply reply = client_->request(method, target + "?id=01890000-0000-7000-8000-000000000000", "{}", headers);
      EXPECT_EQ(reply.status, 401) << method << " " << target << " with '" << authorization << "'";
      EXPECT_EQ(error_code(reply), "unauthorized");
      EXPECT_EQ(reply.headers.count("www-authenticate"), 1u);
    }
  }
  EXPECT_EQ(project_count(), 0u);
  EXPECT_EQ(owner_count(), 0u);
}

TEST_P(AuthenticationTest, MetricsNeedATokenAndHealthDoesNot) {
  EXPECT_EQ(client_->get("/healthz").status, 200);
  EXPECT_EQ(client_->get("/metrics").status, 401);
  EXPECT_EQ(call("GET", "/metrics").status, 200);
}

TEST_P(AuthenticationTest, AnonymousCallersListNoPrivateProject) {
  const json project{{"owner", "acme"}, {"name", "app"}, {"url", "https://example.com/app.git"}};
  ASSERT_EQ(call("POST", "/api/v1/projects", project).status, 201);
  const Reply reply = client_->get("/api/v1/projects");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body)["items"].size(), 0u) << reply.body;
  EXPECT_EQ(client_->request("GET", "/api/v1/projects", {}, {"Authorization: Bearer fct_wrong"}).status, 401);
}

TEST_P(AuthenticationTest, AValidTokenIsAcceptedAndARevokedOneIsNot) {
  EXPECT_EQ(call("GET", "/api/v1/owners").status, 200);
  EXPECT_EQ(client_->request("GET", "/api/v1/owners", {}, {"Authorization: bearer " + token_}).status, 200);
  const auto tokens = store_->list_tokens();
  ASSERT_TRUE(tokens);
  ASSERT_TRUE(store_->revoke_token(tokens->front().id));
  EXPECT_EQ(call("GET", "/api/v1/owners").status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthenticationTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
