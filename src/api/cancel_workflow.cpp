// Cancelling one workflow, shared by the cancel route and superseding webhooks.
#include "api/routes.h"
#include "orchestrator/orchestrator.h"

namespace api {

core::Status cancel_workflow(store::Store& store, orchestrator::Orchestrator* orchestrator, const std::string& id,
                             std::string_view reason, std::string_view by) {
  store::Workflow workflow = unwrap(store.get_workflow(id));
  // One that has not started ends here. Approved or claimed meanwhile, it is
  // read again: statuses only move forward, so this ends.
  while (workflow.status == core::Status::WaitingForApproval || workflow.status == core::Status::Queued) {
    const core::Status found = workflow.status;
    auto cancelled = store.finish_workflow(id, core::Status::Cancelled, reason, by);
    if (cancelled) return found;
    if (cancelled.error().kind != store::ErrorKind::Conflict) fail(cancelled.error());
    workflow = unwrap(store.get_workflow(id));
  }
  if (core::is_final(workflow.status)) return workflow.status;
  unwrap(store.request_cancel(id, by));
  if (orchestrator) orchestrator->cancel_requested();
  return core::Status::Running;
}

}  // namespace api
