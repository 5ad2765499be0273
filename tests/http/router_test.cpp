// Route matching, path parameters, 404/405 and middleware, without sockets.
#include <gtest/gtest.h>

#include <stdexcept>

#include "http/router.h"

namespace http {
namespace {

Handler echo(std::string what) {
  return [what](Request& request) {
    std::string body = what;
    for (const auto& [name, value] : request.path_parameters) body += " " + name + "=" + value;
    return Response::text(200, body);
  };
}

Response route(const Router& router, std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = path;
  return router.dispatch(request, router.match(request.method, path));
}

TEST(Router, MatchesLiteralsAndCapturesParameters) {
  Router router;
  router.add("GET", "/api/v1/projects", echo("list"));
  router.add("GET", "/api/v1/projects/{id}", echo("get"));
  router.add("GET", "/api/v1/owners/{owner}/projects/{name}", echo("by-name"));
  EXPECT_EQ(route(router, "GET", "/api/v1/projects").body, "list");
  EXPECT_EQ(route(router, "GET", "/api/v1/projects/42").body, "get id=42");
  EXPECT_EQ(route(router, "GET", "/api/v1/owners/acme/projects/web").body, "by-name owner=acme name=web");
}

TEST(Router, ParametersArePercentDecodedAfterSplitting) {
  Router router;
  router.add("GET", "/files/{name}", echo("file"));
  EXPECT_EQ(route(router, "GET", "/files/a%2Fb%20c").body, "file name=a/b c");
  EXPECT_EQ(route(router, "GET", "/files/a/b").status, 404);
  EXPECT_EQ(route(router, "GET", "/files/%zz").status, 400);
}

TEST(Router, ParameterNeverMatchesAnEmptySegment) {
  Router router;
  router.add("GET", "/projects/{id}", echo("get"));
  EXPECT_EQ(route(router, "GET", "/projects/").status, 404);
}

TEST(Router, EarlierRoutesWin) {
  Router router;
  router.add("GET", "/projects/new", echo("form"));
  router.add("GET", "/projects/{id}", echo("get"));
  EXPECT_EQ(route(router, "GET", "/projects/new").body, "form");
  EXPECT_EQ(route(router, "GET", "/projects/7").body, "get id=7");
}

TEST(Router, UnknownPathIs404AndOtherMethodIs405WithAllow) {
  Router router;
  router.add("GET", "/project", echo("get"));
  router.add("PUT", "/project", echo("put"));
  router.add("DELETE", "/other", echo("delete"));
  const Response missing = route(router, "GET", "/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find(R"("code":"not_found")"), std::string::npos);
  const Response wrong = route(router, "POST", "/project");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get("Allow"), "GET, PUT");
  EXPECT_NE(wrong.body.find(R"("code":"method_not_allowed")"), std::string::npos);
}

TEST(Router, NamesRoutesByPatternUnlessNamed) {
  Router router;
  router.add("GET", "/a/{id}", echo("a"));
  router.add("GET", "/b", echo("b"), {.name = "bee"});
  EXPECT_EQ(router.match("GET", "/a/1").name(), "/a/{id}");
  EXPECT_EQ(router.match("GET", "/b").name(), "bee");
  EXPECT_EQ(router.match("GET", "/c").name(), "unmatched");
}

TEST(Router, RejectsBadPatternsAndDuplicates) {
  Router router;
  EXPECT_THROW(router.add("GET", "no-slash", echo("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/x{id}", echo("x")), std::invalid_argument);
  router.add("GET", "/a", echo("x"));
  EXPECT_THROW(router.add("GET", "/a", echo("y")), std::invalid_argument);
  EXPECT_NO_THROW(router.add("POST", "/a", echo("z")));
}

TEST(Router, MiddlewareCanAnswerInsteadOfTheHandler) {
  Router router;
  router.add("GET", "/secret", echo("secret"));
  router.add("GET", "/open", echo("open"), {.is_public = true});
  router.use([](const Request& request, const Route& matched) -> std::optional<Response> {
    if (matched.options.is_public || request.header("Authorization") == "Bearer good") return std::nullopt;
    return Response::error(401, "unauthorized", "a bearer token is required");
  });
  EXPECT_EQ(route(router, "GET", "/secret").status, 401);
  EXPECT_EQ(route(router, "GET", "/open").status, 200);
  Request request;
  request.method = "GET";
  request.headers.set("authorization", "Bearer good");
  EXPECT_EQ(router.dispatch(request, router.match("GET", "/secret")).body, "secret");
}

TEST(Router, HandlerExceptionBecomes500WithoutItsText) {
  Router router;
  router.add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("database password is hunter2"); });
  const Response response = route(router, "GET", "/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("hunter2"), std::string::npos);
}

TEST(SplitPath, SplitsOnSlashes) {
  EXPECT_TRUE(split_path("/").empty());
  EXPECT_EQ(split_path("/a/b"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(split_path("/a/"), (std::vector<std::string_view>{"a", ""}));
}

}  // namespace
}  // namespace http
