#include "config/graph.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>

namespace config {

namespace {

// A cycle among the nodes not yet ordered: from any of them, follow an
// unordered dependency until a node repeats. Every unordered node has one,
// or it would have been ordered.
std::vector<size_t> find_cycle(const std::vector<std::vector<size_t>>& depends_on, const std::vector<bool>& ordered) {
  size_t node = std::find(ordered.begin(), ordered.end(), false) - ordered.begin();
  std::vector<size_t> path;
  std::vector<size_t> position(depends_on.size(), SIZE_MAX);
  while (position[node] == SIZE_MAX) {
    position[node] = path.size();
    path.push_back(node);
    for (size_t dependency : depends_on[node])
      if (!ordered[dependency]) {
        node = dependency;
        break;
      }
  }
  std::vector<size_t> cycle(path.begin() + static_cast<std::ptrdiff_t>(position[node]), path.end());
  cycle.push_back(node);
  return cycle;
}

}  // namespace

Ordering dependency_order(const std::vector<std::vector<size_t>>& depends_on) {
  const size_t n = depends_on.size();
  std::vector<size_t> waiting_for(n, 0);
  std::vector<std::vector<size_t>> dependants(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t dependency : depends_on[i]) {
      ++waiting_for[i];
      dependants[dependency].push_back(i);
    }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (waiting_for[i] == 0) ready.push(i);
  Ordering result;
  std::vector<bool> ordered(n, false);
  while (!ready.empty()) {
    size_t node = ready.top();
    ready.pop();
    ordered[node] = true;
    result.order.push_back(node);
    for (size_t dependant : dependants[node])
      if (--waiting_for[dependant] == 0) ready.push(dependant);
  }
  if (result.order.size() < n) result.cycle = find_cycle(depends_on, ordered);
  return result;
}

}  // namespace config
