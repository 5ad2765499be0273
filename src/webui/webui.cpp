#include "webui/webui.h"

#include <algorithm>
#include <string>

#include "webui/embedded_assets.h"

namespace webui {

namespace {

// The paths the page routes itself (assets/app.js): a deep link or a reload
// there gets the page.
constexpr std::string_view kPagePaths[] = {
    "/", "/sign-in", "/new-project", "/projects/{id}", "/projects/{id}/edit", "/workflows/{id}", "/executions/{id}",
    "/tokens", "/audit"};

// Nothing from elsewhere but the signed-in person's GitHub avatar; no frames.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' https://avatars.githubusercontent.com; frame-ancestors 'none'";

std::string_view content_type_of(std::string_view name) {
  struct Type {
    std::string_view extension, content_type;
  };
  static constexpr Type types[] = {{".html", "text/html; charset=utf-8"},
                                   {".js", "text/javascript; charset=utf-8"},
                                   {".css", "text/css; charset=utf-8"},
                                   {".svg", "image/svg+xml"}};
  for (const auto& type : types)
    if (name.ends_with(type.extension)) return type.content_type;
  return "application/octet-stream";
}

// Browsers keep the file and ask again each time with its ETag (no-cache),
// so a new build's files are used at once and unchanged ones cost a 304.
http::Response serve(const http::Request& request, const Asset& asset) {
  const bool unchanged = request.header("If-None-Match") == asset.etag;
  http::Response response = unchanged ? http::Response{.status = 304}
                                      : http::Response::text(200, std::string{asset.bytes}, asset.content_type);
  response.headers.set("ETag", asset.etag);
  response.headers.set("Cache-Control", "no-cache");
  response.headers.set("Content-Security-Policy", std::string{kContentSecurityPolicy});
  response.headers.set("X-Frame-Options", "DENY");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "no-referrer");
  return response;
}

}  // namespace

std::optional<Asset> find_asset(std::string_view name) {
  const auto found = std::lower_bound(embedded_assets.begin(), embedded_assets.end(), name,
                                      [](const EmbeddedAsset& asset, std::string_view key) { return asset.name < key; });
  if (found == embedded_assets.end() || found->name != name) return std::nullopt;
  return Asset{found->bytes, content_type_of(name), found->etag};
}

void add_routes(http::Router& router) {
  const Asset page = *find_asset("index.html");
  for (std::string_view path : kPagePaths)
    router.add("GET", std::string{path}, [page](http::Request& request) { return serve(request, page); },
               {.name = "webui_page", .is_public = true});
  router.add(
      "GET", "/ui/{name}",
      [](http::Request& request) {
        const auto asset = find_asset(*request.param("name"));
        if (!asset) return http::Response::error(404, "not_found", "the web UI has no such file");
        return serve(request, *asset);
      },
      {.name = "webui_asset", .is_public = true});
}

}  // namespace webui
