// Checking a project secret's scope (core/secret_scope.h) and deciding
// whether a workflow's event reaches it (docs/secrets.md, "Scopes").
//
// Branches follow the rules of pipeline filters (config/filter.h): push and
// manual events match their branch, pull requests their target branch (where
// the change would land), cron the branch it runs on; a tag has no branch, so
// a scope that gives branches never reaches a tag. Functions only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/plan.h"
#include "core/secret_scope.h"

namespace config {

// At most this many branches, and as many pipelines, in one scope.
inline constexpr std::size_t kMaxScopeEntries = 100;

// Why `scope` cannot be kept, naming the bad entry (`branches[1] "[main" is
// not a glob: ...`); nullopt when it can.
std::optional<std::string> secret_scope_error(const core::SecretScope& scope);

// Whether a workflow for `event` may receive a secret of `scope`. A pull
// request from a fork never does, whatever the scope says.
bool secret_reaches(const core::SecretScope& scope, const core::Event& event);

}  // namespace config
