// Reading the event a trigger request asks for.
#pragma once

#include "core/plan.h"
#include "http/request.h"

namespace api {

// A trigger's body {"branch", "sha"?, "inputs"?}: a `manual` event. The
// branch must be a name git accepts for a branch, the sha 40 or 64 hex digits
// (kept lowercase). Without a sha the branch's head at checkout time runs.
// `inputs` is an object of strings, numbers and booleans, kept as text
// (core::Event::inputs); whether they suit the configuration is for
// check_manual_inputs (routes.h) to say.
struct ManualTrigger {
  core::Event event;
  bool with_inputs = false;  // the body has "inputs" (even {})
};
ManualTrigger manual_trigger(const http::Request& request);

}  // namespace api
