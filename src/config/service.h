// The services of one pipeline instance, evaluated.
#pragma once

#include <vector>

#include "config/evaluator.h"

namespace config {

// The pipeline's service blocks evaluated: types, ports (each used by one
// service only), a ready port among the service's ports, the ready
// timeout. Without a ready block, a service with ports is ready once its
// first port accepts connections; one without, once it started. Errors are
// reported through the evaluator.
std::vector<core::ServiceSpec> evaluate_services(const Pipeline& pipeline, Evaluator& evaluator);

// What executions see as `service`: for each service, its host (the
// loopback address, which reaches every service), its first port and its
// ports, e.g. service.db.port.
hcl::Value service_values(const std::vector<core::ServiceSpec>& services);

}  // namespace config
