// Which workflows and pipelines a project secret reaches (docs/secrets.md,
// "Scopes"): the events, the branches and the pipelines it names. The
// server decides events and branches when an agent claims a workflow
// (config/secret_scope.h); the agent decides pipelines as it gives each
// execution its environment (reaches_pipeline).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace core {

// The events a scope may name.
inline constexpr std::string_view kSecretEvents[] = {"push", "tag", "pull_request", "manual", "cron"};

struct SecretScope {
  // Not pull_request unless a secret says so: a pull request runs code that
  // nobody with write access has merged yet.
  std::vector<std::string> events{"push", "tag", "manual", "cron"};
  std::vector<std::string> branches;   // glob list (config/glob.h); empty: every branch
  std::vector<std::string> pipelines;  // pipeline block labels; empty: every pipeline

  bool operator==(const SecretScope&) const = default;
};

// Whether an instance of the pipeline block labelled `base_name` may get a
// secret limited to `pipelines` (a matrix's instances all share its label).
inline bool reaches_pipeline(const std::vector<std::string>& pipelines, std::string_view base_name) {
  return pipelines.empty() || std::find(pipelines.begin(), pipelines.end(), base_name) != pipelines.end();
}

}  // namespace core
