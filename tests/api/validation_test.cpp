// Bad input gets the right status and the JSON error body, and changes nothing.
#include "api_fixture.h"

namespace api::testing {
namespace {

const json web = {{"owner", "acme"}, {"project", "web"}, {"url", "https://github.com/acme/web.git"}};

class ValidationTest : public ApiTest {
 protected:
  // Sends the request, checks status and error code, and that no owner or
  // project appeared or vanished.
  void expect_rejected(const std::string& method, const std::string& target, const std::string& body,
                       int status, const std::string& code, std::vector<std::string> headers = {}) {
    const auto owners = owner_count();
    const auto projects = project_count();
    const Reply reply = call(method, target, body, std::move(headers));
    EXPECT_EQ(reply.status, status) << method << " " << target << " " << body << " → " << reply.body;
    EXPECT_EQ(reply.headers.count("content-type") ? reply.headers.at("content-type") : "", "application/json");
    EXPECT_EQ(error_code(reply), code);
    EXPECT_EQ(owner_count(), owners);
    EXPECT_EQ(project_count(), projects);
  }
};

TEST_P(ValidationTest, MalformedJsonIs400) {
  expect_rejected("POST", "/project", "{\"owner\": ", 400, "malformed_json");
  expect_rejected("POST", "/api/v1/projects", "not json", 400, "malformed_json");
  expect_rejected("POST", "/api/v1/owners", "[1, 2]", 400, "invalid");
}

TEST_P(ValidationTest, WrongTypesMissingAndUnknownFieldsAre400) {
  expect_rejected("POST", "/project", R"({"owner": 7, "project": "web", "url": "https://x.org/a.git"})", 400,
                  "invalid");
  expect_rejected("POST", "/project", R"({"owner": "acme", "project": ["web"], "url": "https://x.org/a.git"})",
                  400, "invalid");
  expect_rejected("POST", "/project", R"({"owner": "acme", "url": "https://x.org/a.git"})", 400, "invalid");
  expect_rejected("POST", "/project", R"({"owner": "acme", "project": "", "url": "https://x.org/a.git"})", 400,
                  "invalid");
  expect_rejected("POST", "/project",
                  R"({"owner": "acme", "project": "web", "url": "https://x.org/a.git", "colour": "red"})", 400,
                  "invalid");
}

TEST_P(ValidationTest, SupersedingSettingsMustBeBooleans) {
  expect_rejected("POST", "/api/v1/projects",
                  R"({"owner": "acme", "name": "web", "url": "https://x.org/a.git", "cancel_superseded_pushes": 1})",
                  400, "invalid");
  const std::string id = create("acme", "web", "https://github.com/acme/web.git")["id"];
  expect_rejected("PUT", "/api/v1/projects/" + id, R"({"cancel_superseded_pull_requests": "no"})", 400, "invalid");
  EXPECT_TRUE(store_->get_project(id)->cancel_superseded_pull_requests);
}

TEST_P(ValidationTest, UrlMustBeHttpOrGit) {
  for (const char* url : {"ftp://example.com/a.git", "github.com/acme/web", "https://", "http:///path",
                          "file:///srv/repo.git", "git@:acme/web.git", "https://example.com/a b.git", ""}) {
    json body = web;
    body["url"] = url;
    expect_rejected("POST", "/project", body.dump(), 400, "invalid");
  }
  for (const char* url : {"http://example.com/a.git", "https://github.com/acme/b.git", "git://example.com/c.git",
                          "git@github.com:acme/d.git"}) {
    json body = web;
    body["project"] = url;
    body["url"] = url;
    EXPECT_EQ(call("POST", "/project", body).status, 201) << url;
  }
}

TEST_P(ValidationTest, UpdateWithABadUrlChangesNothing) {
  const std::string id = create("acme", "web", "https://github.com/acme/web.git")["id"];
  expect_rejected("PUT", "/project?id=" + id, R"({"project": "site", "url": "ftp://x"})", 400, "invalid");
  expect_rejected("PUT", "/api/v1/projects/" + id, R"({"name": "site", "url": "ftp://x"})", 400, "invalid");
  EXPECT_EQ(store_->get_project(id)->name, "web");
}

TEST_P(ValidationTest, BadUuidIs400) {
  expect_rejected("GET", "/api/v1/projects/12345", "", 400, "invalid");
  expect_rejected("DELETE", "/project?id=zzz", "", 400, "invalid");
  expect_rejected("GET", "/api/v1/owners/not-an-id", "", 400, "invalid");
}

TEST_P(ValidationTest, DuplicatesAre409) {
  create("acme", "web", "https://github.com/acme/web.git");
  // Same URL under a new owner: the owner must not be left behind.
  json same_url = web;
  same_url["owner"] = "newcomer";
  same_url["project"] = "copy";
  expect_rejected("POST", "/project", same_url.dump(), 409, "conflict");
  json same_name = web;
  same_name["url"] = "https://github.com/acme/other.git";
  expect_rejected("POST", "/project", same_name.dump(), 409, "conflict");
  expect_rejected("POST", "/api/v1/owners", R"({"name": "acme"})", 409, "conflict");
}

TEST_P(ValidationTest, UnknownIdsAre404) {
  const std::string unknown = "01890000-0000-7000-8000-000000000000";
  expect_rejected("GET", "/api/v1/projects/" + unknown, "", 404, "not_found");
  expect_rejected("PUT", "/api/v1/projects/" + unknown, R"({"name": "x"})", 404, "not_found");
  expect_rejected("DELETE", "/api/v1/owners/" + unknown, "", 404, "not_found");
}

TEST_P(ValidationTest, TooLargeBodyIs413) {
  json body = web;
  body["project"] = std::string(100 * 1024, 'x');
  expect_rejected("POST", "/project", body.dump(), 413, "payload_too_large");
}

TEST_P(ValidationTest, WrongContentTypeIs415) {
  expect_rejected("POST", "/project", web.dump(), 415, "unsupported_media_type", {"Content-Type: text/plain"});
  expect_rejected("POST", "/api/v1/projects", web.dump(), 415, "unsupported_media_type",
                  {"Content-Type: application/x-www-form-urlencoded"});
  json v1 = {{"owner", "acme"}, {"name", "web"}, {"url", "https://github.com/acme/web.git"}};
  EXPECT_EQ(call("POST", "/api/v1/projects", v1.dump(), {"Content-Type: Application/JSON; charset=utf-8"}).status,
            201);
}

TEST_P(ValidationTest, BadPageParametersAre400) {
  expect_rejected("GET", "/api/v1/projects?limit=ten", "", 400, "invalid");
  expect_rejected("GET", "/api/v1/projects?limit=0", "", 400, "invalid");
  expect_rejected("GET", "/api/v1/owners?limit=5000", "", 400, "invalid");
  expect_rejected("GET", "/api/v1/owners?after=nope", "", 400, "invalid");
}

INSTANTIATE_TEST_SUITE_P(Backends, ValidationTest, ::testing::ValuesIn(kBackends), backend_name);

}  // namespace
}  // namespace api::testing
