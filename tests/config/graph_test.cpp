#include "config/graph.h"

#include <gtest/gtest.h>

namespace config {
namespace {

using Nodes = std::vector<size_t>;

TEST(DependencyOrder, DependenciesComeFirstOtherwiseInputOrder) {
  // 0 depends on 2; 1 depends on nothing; 2 depends on 1.
  Ordering o = dependency_order({{2}, {}, {1}});
  EXPECT_EQ(o.order, (Nodes{1, 2, 0}));
  EXPECT_TRUE(o.cycle.empty());
}

TEST(DependencyOrder, IndependentNodesKeepTheirOrder) {
  Ordering o = dependency_order({{}, {}, {}});
  EXPECT_EQ(o.order, (Nodes{0, 1, 2}));
}

TEST(DependencyOrder, FindsATwoNodeCycle) {
  Ordering o = dependency_order({{1}, {0}, {}});
  EXPECT_EQ(o.order, (Nodes{2}));
  EXPECT_EQ(o.cycle, (Nodes{0, 1, 0}));
}

TEST(DependencyOrder, SelfDependencyIsACycle) {
  Ordering o = dependency_order({{0}});
  EXPECT_TRUE(o.order.empty());
  EXPECT_EQ(o.cycle, (Nodes{0, 0}));
}

TEST(DependencyOrder, CycleReachedThroughAnotherNode) {
  // 0 → 1 → 2 → 1: node 0 is stuck behind the cycle but not part of it.
  Ordering o = dependency_order({{1}, {2}, {1}});
  EXPECT_TRUE(o.order.empty());
  EXPECT_EQ(o.cycle, (Nodes{1, 2, 1}));
}

}  // namespace
}  // namespace config
