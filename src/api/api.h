// The REST API on an http::Router:
//   GET /project?id=…, POST /project, PUT /project?id=…, DELETE /project?id=…
//     (the seed endpoints; JSON fields id, owner, project, url, webhook_secret)
//   /api/v1/owners[/{id}], /api/v1/projects[/{id}]  (list, get, create, update, delete)
//   /api/v1/projects/{id}/secrets[/{name}]  (list names, set, delete; values are write-only)
// Every route but the public ones (/healthz, /metrics, webhooks) needs
// "Authorization: Bearer <token>" with a token of the store. Errors have the
// shape {"error": {"code": "...", "message": "..."}}; a request that fails
// changes nothing. Webhook secrets are write-only: returned once, at
// creation; project secrets are never returned.
#pragma once

#include <cstddef>

#include "http/router.h"
#include "store/store.h"

namespace api {

struct ApiOptions {
  std::size_t body_limit = 64 * 1024;  // JSON request bodies, bytes
};

// `store` must outlive the router (and the server running it).
void add_routes(http::Router& router, store::Store& store, const ApiOptions& options = {});

}  // namespace api
