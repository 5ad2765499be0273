#include "api/api.h"

#include "api/log_hub.h"
#include "api/routes.h"

namespace api {

void add_routes(http::Router& router, store::Store& store, const ApiOptions& options) {
  const Routes routes{router, store, options};
  add_seed_routes(routes);
  add_owner_routes(routes);
  add_project_routes(routes);
  add_workflow_routes(routes);
  add_execution_routes(routes);
  add_hook_routes(routes);
  add_secret_routes(routes);
  add_schedule_routes(routes);
  add_token_routes(routes);
  add_member_routes(routes);
  add_environment_routes(routes);
  add_input_routes(routes);
  add_sign_in_routes(routes);
  add_audit_routes(routes);
  add_artifact_routes(routes);
  add_test_routes(routes);
  if (options.orchestrator) {
    auto logs = std::make_shared<LogHub>();
    add_agent_routes(routes, *options.orchestrator, logs);
    add_blob_routes(routes);
    add_live_routes(routes, *options.orchestrator, logs);
  }
  router.use(server_admin_elsewhere(routes));
  router.identify_with(has_credentials(routes));
}

}  // namespace api
