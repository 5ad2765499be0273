#include "core/environment.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

namespace core {
namespace {

bool has(const std::vector<std::string>& env, const std::string& variable) {
  return std::find(env.begin(), env.end(), variable) != env.end();
}

TEST(AllowedEnvironment, KeepsNamedVariablesAndPrefixesOnly) {
  setenv("FACTORY_TEST_KEPT", "a", 1);
  setenv("LC_FACTORY_TEST", "b", 1);
  setenv("FACTORY_TEST_DATABASE_PASSWORD", "hunter2", 1);
  setenv("FACTORY_TEST_KEPTX", "c", 1);
  const auto env = allowed_environment({"FACTORY_TEST_KEPT", "LC_*"});
  EXPECT_TRUE(has(env, "FACTORY_TEST_KEPT=a"));
  EXPECT_TRUE(has(env, "LC_FACTORY_TEST=b"));
  EXPECT_FALSE(has(env, "FACTORY_TEST_DATABASE_PASSWORD=hunter2"));
  EXPECT_FALSE(has(env, "FACTORY_TEST_KEPTX=c")) << "a name is matched whole";
  for (const auto& variable : env)
    EXPECT_TRUE(variable.starts_with("FACTORY_TEST_KEPT=") || variable.starts_with("LC_")) << variable;
}

TEST(AllowedEnvironment, IsEmptyForAnEmptyList) { EXPECT_TRUE(allowed_environment({}).empty()); }

}  // namespace
}  // namespace core
