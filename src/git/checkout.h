// A workflow's code, fetched once with the git command-line client:
//   fetch()          git init + a shallow partial clone of the one commit
//                    (--depth 1 --filter=blob:limit=256k): trees and the
//                    files up to 256 KiB
//   check_out_config() sparse checkout of `.factory/` alone, so that no
//                    larger file is fetched before planning
//   check_out_all()  the rest of the commit, larger files fetched in one batch
//   pull_request_changes()  for a pull request: the paths it changes, from the
//                    merge base with its target branch (history fetched
//                    without file contents, deeper until the base is found)
// A server that does not support filters sends everything at once; the
// steps work the same. A cancel ends the git command under way (and what it
// started), so that a git server that stops answering cannot hold a
// cancelled workflow. With a clone token (a GitHub App's installation
// token), every git call sends it as HTTP Basic credentials through git's
// environment (GIT_CONFIG_COUNT…: http.extraHeader), never on a command
// line, in .git/config or in the remote's URL; later lazy fetches of a
// partial clone use it too.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runner/runner.h"

namespace git {

// How far back pull_request_changes() looks for a merge base: commits below
// the pull request's head and the target branch's (a long-lived branch far
// behind its target is rare, and each step deeper is a round trip).
inline constexpr int kMergeBaseDepth = 1000;

class Checkout {
 public:
  Checkout(std::filesystem::path dir, const runner::CancelHandle& cancel, std::string clone_token = {})
      : dir_{std::move(dir)}, cancel_{cancel}, clone_token_{std::move(clone_token)} {}

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& sha() const { return sha_; }

  // Fetches `sha`, or with an empty sha the head of refs/heads/<branch>.
  // Each step returns false with what git said in `error` ("cancelled" after a cancel).
  bool fetch(const std::string& url, const std::string& sha, const std::string& branch, std::string& error);
  bool check_out_config(std::string& error);
  bool check_out_all(std::string& error);

  // The paths a pull request from the fetched commit into `target_branch`
  // changes, as GitHub lists its files: those that differ between the merge
  // base and the commit, both sides of a rename included. Fetches the target
  // branch's head and then older history (commits and trees, no file
  // contents) in growing steps until the merge base is there, up to
  // kMergeBaseDepth commits. nullopt with `error` when the merge base is not
  // found within that (or the histories share none), or git fails.
  std::optional<std::vector<std::string>> pull_request_changes(const std::string& target_branch, std::string& error);

 private:
  bool git(std::initializer_list<std::string> args, std::string& output);
  bool read_until_closed(int fd, std::string& output);
  bool find_merge_base(const std::string& target_sha, std::string& base, std::string& error);

  std::filesystem::path dir_;
  const runner::CancelHandle& cancel_;
  std::string clone_token_;
  std::string sha_;
};

}  // namespace git
