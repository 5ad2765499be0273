// Reading the event a trigger request asks for.
#pragma once

#include "core/plan.h"
#include "http/request.h"

namespace api {

// The `manual` event of a body {"branch", "sha"?}: the branch must be a name
// git accepts for a branch, the sha 40 or 64 hex digits (kept lowercase).
// Without a sha the branch's head at checkout time runs.
core::Event manual_event(const http::Request& request);

}  // namespace api
