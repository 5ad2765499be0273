#include "git/branch_config.h"

#include <stdlib.h>

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "git/checkout.h"
#include "runner/runner.h"

namespace git {

namespace {

// A folder of its own under `root`, removed when the read ends.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::filesystem::path& root) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    std::string pattern = (root / "branch-XXXXXX").string();
    if (mkdtemp(pattern.data())) path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

BranchConfig unreachable(std::string problem) {
  BranchConfig result;
  result.problem = std::move(problem);
  return result;
}

}  // namespace

BranchConfig read_branch_config(const BranchSource& source, const std::filesystem::path& scratch_root,
                                std::chrono::milliseconds timeout) {
  ScratchFolder scratch{scratch_root};
  if (scratch.path().empty()) return unreachable("cannot make a scratch folder under " + scratch_root.string());
  runner::CancelHandle cancel;
  // A git server that stops answering must not hold the caller (an API
  // request, the scheduler) for longer than `timeout`.
  std::jthread watchdog{[&cancel, timeout](std::stop_token stop) {
    std::mutex mutex;
    std::unique_lock lock{mutex};
    std::condition_variable_any{}.wait_for(lock, stop, timeout, [] { return false; });
    if (!stop.stop_requested()) cancel.cancel();
  }};
  Checkout checkout{scratch.path() / "repository", cancel, source.clone_token};
  std::string error;
  if (!checkout.fetch(source.url, "", source.branch, error))
    return unreachable(cancel.cancelled() ? "git fetch of " + source.branch + " took longer than " +
                                                std::to_string(timeout.count()) + " ms"
                                          : error);
  BranchConfig result;
  result.sha = checkout.sha();
  result.outcome = BranchConfig::Outcome::Invalid;
  if (!checkout.check_out_config(error)) {
    result.outcome = BranchConfig::Outcome::Unreachable;
    result.problem = error;
    return result;
  }
  hcl::Diagnostics diags;
  hcl::Budget budget = config::planning_budget([&cancel] { return cancel.cancelled(); });
  result.configuration = config::load(checkout.dir(), diags, budget);
  if (result.configuration) {
    result.outcome = BranchConfig::Outcome::Read;
  } else {
    // People know the files by their place in the repository, not by this
    // server's scratch folder.
    result.problem = hcl::render(diags, false);
    const std::string prefix = checkout.dir().string() + "/";
    for (auto at = result.problem.find(prefix); at != std::string::npos; at = result.problem.find(prefix, at))
      result.problem.erase(at, prefix.size());
  }
  return result;
}

}  // namespace git
