// The `.factory/` configuration at the head of one branch, read by the
// server itself: schedules and manual-run inputs are declared there, and the
// server needs them before any agent runs (to know when a slot is due, or to
// show a Run form and check its values).
//
// read_branch_config() fetches the branch's head into a scratch folder of its
// own (the same shallow fetch and sparse checkout of `.factory/` an agent
// does, see git/checkout.h), loads it as untrusted input under the planning
// budget, and removes the folder. It takes a git round trip or two: callers
// that read often keep what they read. A configuration is at most
// config::kMaxSourceBytes; the whole read is bounded by `timeout`.
//
// Thread-safety: calls are independent; several may run at once.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"

namespace git {

struct BranchSource {
  std::string url;          // what `git fetch` is given
  std::string branch;       // a branch name, without refs/heads/
  std::string clone_token;  // a GitHub App installation token, or empty (see git/checkout.h)
};

struct BranchConfig {
  enum class Outcome {
    Read,           // `configuration` holds the branch's `.factory/`
    Invalid,        // the branch was fetched; its `.factory/` is missing or has errors (`problem`)
    Unreachable,    // git could not fetch the branch (`problem` says what git said)
  };
  Outcome outcome = Outcome::Unreachable;
  std::string sha;  // the head that was read; empty when Unreachable
  std::optional<config::Configuration> configuration;
  std::string problem;  // for people: git's message or the rendered diagnostics
};

inline constexpr std::chrono::seconds kBranchReadTime{30};

BranchConfig read_branch_config(const BranchSource& source, const std::filesystem::path& scratch_root,
                                std::chrono::milliseconds timeout = kBranchReadTime);

}  // namespace git
