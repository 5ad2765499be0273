// The web UI, served by `factory server` from files compiled into the binary
// (docs/webui.md):
//   GET /, /sign-in, /new-project, /projects/{id}, /projects/{id}/edit,
//       /workflows/{id}, /executions/{id}, /tokens, /audit
//                                           index.html (the page routes itself)
//   GET /ui/{name}                          the assets: ES modules, CSS, icon
// All public (the page's data needs a session or a token), all with
// "Content-Security-Policy: default-src 'self'; img-src 'self'
// https://avatars.githubusercontent.com; frame-ancestors 'none'" (GitHub's
// avatars are the one thing from elsewhere) and
// "X-Frame-Options: DENY", and an ETag to revalidate
// with (Cache-Control: no-cache), answered 304 when it still matches.
#pragma once

#include <optional>
#include <string_view>

#include "http/router.h"

namespace webui {

struct Asset {
  std::string_view bytes;
  std::string_view content_type;
  std::string_view etag;  // quoted, as the header carries it
};

// The embedded file `name` ("index.html", "app.js"), or nullopt.
std::optional<Asset> find_asset(std::string_view name);

void add_routes(http::Router& router);

}  // namespace webui
