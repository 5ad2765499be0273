// Internal to src/api: what the agent protocol's route files share
// (agent_routes.cpp, blob_routes.cpp). Agent calls take agent tokens only;
// the bearer middleware lets them through and these check the caller.
#pragma once

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "http/request.h"
#include "protocol/protocol.h"
#include "store/store.h"

namespace api {

// The workflow an agent's call names ({id}), checked to be leased to the
// caller: its token, and the lease it presents (protocol::kLeaseHeader).
// 401 or 403 for the token, 409 `lease_lost` for a workflow that is not
// the caller's to work on.
store::Workflow agent_workflow(store::Store& store, const http::Request& request);

// The body as `from_json` reads it; a malformed field is a 400 naming it.
template <class Read>
auto read_body(const http::Request& request, Read from_json) {
  nlohmann::json body = request.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) fail(400, "bad_request", "the body is not JSON");
  try {
    return from_json(body);
  } catch (const protocol::Malformed& error) {
    fail(400, "bad_request", error.what());
  }
}

}  // namespace api
