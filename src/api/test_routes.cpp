// A workflow's test results (docs/api.md, "Test results"): what its
// executions' reports said, as the agents reported them (store
// list_test_results), with the executions' places in the tree.
#include <map>

#include <nlohmann/json.hpp>

#include "api/routes.h"
#include "api/views.h"
#include "protocol/protocol.h"

namespace api {

namespace {

using nlohmann::json;

// The executions with results in the tree's order, each with its place.
json tests_view(const store::WorkflowTree& tree, const std::vector<store::ExecutionTests>& tested) {
  std::map<std::string, const core::TestResults*> by_execution;
  for (const store::ExecutionTests& execution : tested) by_execution[execution.execution_id] = &execution.results;
  core::TestTotals all;
  json executions = json::array();
  for (const store::Pipeline& pipeline : tree.pipelines)
    for (const store::Stage& stage : pipeline.stages)
      for (const store::Execution& execution : stage.executions) {
        const auto found = by_execution.find(execution.id);
        if (found == by_execution.end()) continue;
        all += found->second->totals;
        json view = protocol::to_json(*found->second);
        view["execution_id"] = execution.id;
        view["pipeline"] = pipeline.name;
        view["stage"] = stage.name;
        view["execution"] = execution.name;
        view["status"] = core::to_string(execution.status);
        executions.push_back(std::move(view));
      }
  json totals = protocol::to_json(core::TestResults{all, {}})["totals"];
  return {{"totals", std::move(totals)}, {"executions", std::move(executions)}};
}

}  // namespace

void add_test_routes(const Routes& routes) {
  routes.add("GET", "/api/v1/workflows/{id}/tests", "workflow_tests", access::workflow(Role::Read),
             [routes](http::Request& request) {
               const std::string workflow_id{*request.param("id")};
               return http::Response::json(200, tests_view(unwrap(routes.store.get_workflow_tree(workflow_id)),
                                                           unwrap(routes.store.list_test_results(workflow_id))));
             });
}

}  // namespace api
