// Ordering things that depend on each other (locals, pipelines).
#pragma once

#include <cstddef>
#include <vector>

namespace config {

struct Ordering {
  std::vector<size_t> order;  // every node after the nodes it depends on
  std::vector<size_t> cycle;  // when there is a cycle: a, b, ..., a; else empty
};

// `depends_on[i]` lists the nodes node i depends on. Among the nodes that
// are ready, the lowest index comes first, so the order follows the input
// where dependencies allow. With a cycle, `order` holds the nodes outside
// any cycle's reach and `cycle` one of the cycles.
Ordering dependency_order(const std::vector<std::vector<size_t>>& depends_on);

}  // namespace config
