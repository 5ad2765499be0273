// Events and plans for configuration tests: the same builders in every test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "core/plan.h"
#include "temp_repo.h"

namespace config::testing {

using Names = std::vector<std::string>;

inline core::Event push(std::string branch, std::vector<std::string> changed = {}) {
  core::Event e;
  e.name = "push";
  e.branch = std::move(branch);
  e.sha = "0123abcd";
  e.changed_paths = std::move(changed);
  return e;
}

inline core::Event pull_request(std::string from, std::string into) {
  core::Event e;
  e.name = "pull_request";
  e.branch = std::move(from);
  e.target_branch = std::move(into);
  return e;
}

inline core::Event tag(std::string name) {
  core::Event e;
  e.name = "tag";
  e.tag = std::move(name);
  return e;
}

inline core::Event cron(std::string schedule, std::string branch = "main") {
  core::Event e;
  e.name = "cron";
  e.schedule = std::move(schedule);
  e.branch = std::move(branch);
  e.sha = "0123abcd";
  return e;
}

// Plans for acme/widgets. Diagnostics go to `errors` when given, else they
// fail the test.
inline core::Plan plan_for(const Configuration& cfg, const core::Event& event, std::string* errors = nullptr) {
  hcl::Diagnostics diags;
  core::Plan p = plan(cfg, event, {"acme", "widgets", "https://example.com/acme/widgets.git"}, diags);
  if (errors)
    *errors = hcl::render(diags);
  else
    EXPECT_TRUE(diags.empty()) << hcl::render(diags);
  return p;
}

// The plan for a push to main of a .factory/ci.hcl holding `text`, which must load.
inline core::Plan must_plan(const std::string& text) {
  std::string errors;
  auto cfg = load_files({{"ci.hcl", text}}, errors);
  EXPECT_TRUE(cfg) << errors;
  return cfg ? plan_for(*cfg, push("main")) : core::Plan{};
}

inline Names names(const core::Plan& p) {
  Names out;
  for (const auto& pipeline : p.pipelines) out.push_back(pipeline.name);
  return out;
}

}  // namespace config::testing
