// Cancelling one workflow, shared by the cancel route and superseding webhooks.
#include "api/routes.h"

namespace api {

core::Status cancel_workflow(store::Store& store, const std::string& id, std::string_view reason) {
  store::Workflow workflow = unwrap(store.get_workflow(id));
  if (workflow.status == core::Status::Queued) {
    auto cancelled = store.finish_workflow(id, core::Status::Cancelled, reason);
    if (cancelled) return core::Status::Queued;
    if (cancelled.error().kind != store::ErrorKind::Conflict) fail(cancelled.error());
    workflow = unwrap(store.get_workflow(id));  // claimed meanwhile
  }
  if (core::is_final(workflow.status)) return workflow.status;
  unwrap(store.request_cancel(id));
  return core::Status::Running;
}

}  // namespace api
