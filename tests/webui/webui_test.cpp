// The web UI's files as the server hands them out: the page at every path it
// routes itself, the assets by name, each with its type, a strict
// Content-Security-Policy forbidding frames, and an ETag that a revalidation is answered 304 on.
#include <fstream>
#include <iterator>

#include "../http/test_support.h"
#include "test_paths.h"
#include "webui/webui.h"

namespace {

using http::testing::Client;
using http::testing::Reply;

std::string source_file(const std::string& name) {
  std::ifstream file(testpaths::source_dir() / "src" / "webui" / "assets" / name, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::Router router;
    webui::add_routes(router);
    server_ = http::testing::start_server(std::move(router));
    client_ = std::make_unique<Client>(server_->port());
  }

  Reply get(const std::string& target, std::vector<std::string> headers = {}) {
    return client_->request("GET", target, {}, headers);
  }

  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(WebUiTest, EveryPagePathAnswersTheSamePage) {
  const std::string page = source_file("index.html");
  ASSERT_FALSE(page.empty());
  for (const char* path : {"/", "/new-project", "/projects/0193a4b0-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
                           "/projects/x/edit", "/workflows/y", "/executions/z?workflow=y", "/sign-in?return_to=/",
                           "/tokens", "/audit"}) {
    Reply reply = get(path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(reply.body, page) << path;
    EXPECT_EQ(reply.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(reply.headers["content-security-policy"],
              "default-src 'self'; img-src 'self' https://avatars.githubusercontent.com; frame-ancestors 'none'");
    EXPECT_EQ(reply.headers["x-frame-options"], "DENY");  // no other site may frame the page
    EXPECT_EQ(reply.headers["cache-control"], "no-cache");
  }
  EXPECT_EQ(get("/projects/x/y/z").status, 404);
}

TEST_F(WebUiTest, AssetsAreTheSourceFilesWithTheirTypes) {
  const std::pair<const char*, const char*> assets[] = {{"app.js", "text/javascript; charset=utf-8"},
                                                        {"style.css", "text/css; charset=utf-8"},
                                                        {"favicon.svg", "image/svg+xml"}};
  for (const auto& [name, type] : assets) {
    Reply reply = get(std::string{"/ui/"} + name);
    EXPECT_EQ(reply.status, 200) << name;
    EXPECT_EQ(reply.body, source_file(name)) << name;
    EXPECT_EQ(reply.headers["content-type"], type);
    EXPECT_EQ(reply.headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(reply.headers["content-security-policy"],
              "default-src 'self'; img-src 'self' https://avatars.githubusercontent.com; frame-ancestors 'none'");
  }
  EXPECT_EQ(get("/ui/missing.js").status, 404);
  EXPECT_FALSE(webui::find_asset("missing.js"));
  EXPECT_EQ(webui::find_asset("app.js")->bytes, source_file("app.js"));
}

TEST_F(WebUiTest, AnUnchangedAssetIsAnswered304) {
  Reply first = get("/ui/app.js");
  const std::string etag = first.headers["etag"];
  ASSERT_EQ(etag.size(), 66u) << etag;  // a quoted SHA-256
  Reply again = get("/ui/app.js", {"If-None-Match: " + etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.headers["etag"], etag);
  EXPECT_EQ(get("/ui/app.js", {"If-None-Match: \"stale\""}).status, 200);
  EXPECT_NE(get("/ui/style.css").headers["etag"], etag);
}

}  // namespace
