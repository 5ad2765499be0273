// `factory run [DIR]`: plans DIR/.factory for a simulated event and runs the
// plan on this machine, showing it live; no server involved. Executions run
// in the same sandbox, with the same environment, as on a build agent,
// unless --unsandboxed; and, as there, each in a workspace of its own: a
// copy of DIR's files as they are now (uncommitted changes included),
// never DIR itself unless --in-place.
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/cancel_on_signals.h"
#include "cli/live_view.h"
#include "cli/run_report.h"
#include "config/config.h"
#include "localfiles/local_files.h"
#include "runner/execution_files.h"
#include "runner/runner.h"
#include "runner/sandbox.h"
#include "runner/workspace_tree.h"

extern char** environ;

namespace cli {

namespace {

struct RunFlags {
  std::string dir = ".";
  std::string event;
  std::string branch, tag, target_branch, schedule;
  std::vector<std::string> changed;
  bool changed_given = false;
  std::vector<std::string> inputs;  // NAME=VALUE
  std::size_t jobs = std::max(2u, std::thread::hardware_concurrency());
  std::string container_runtime = "auto";
  bool json = false;
  bool unsandboxed = false;
  bool in_place = false;
  bool no_cache = false;
  std::string cache_dir, artifacts_dir;
};

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The non-empty items, separated by `separator`, that a git command prints
// in DIR; empty when git fails (no repository, no such commit).
std::vector<std::string> git_items(const std::string& dir, const std::string& args, char separator, bool& ok) {
  std::string command = "git -C " + shell_quote(dir) + " " + args + " 2>/dev/null";
  std::vector<std::string> items;
  ok = false;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return items;
  std::array<char, 4096> buffer;
  std::string text;
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) text.append(buffer.data(), n);
  ok = pclose(pipe) == 0;
  std::istringstream stream(text);
  for (std::string item; std::getline(stream, item, separator);)
    if (!item.empty()) items.push_back(item);
  return items;
}

std::vector<std::string> git_lines(const std::string& dir, const std::string& args, bool& ok) {
  return git_items(dir, args, '\n', ok);
}

std::string git_line(const std::string& dir, const std::string& args) {
  bool ok = false;
  auto lines = git_lines(dir, args, ok);
  return ok && !lines.empty() ? lines.front() : std::string();
}

// Without --changed: the files of the last commit; of the only commit, all
// its files; without git, every file of DIR (as if all had changed).
std::vector<std::string> default_changed_paths(const std::string& dir) {
  bool ok = false;
  auto changed = git_lines(dir, "diff --name-only HEAD~1 HEAD", ok);
  if (ok) return changed;
  changed = git_lines(dir, "show --name-only --format= HEAD", ok);
  if (ok) return changed;
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir); it != std::filesystem::end(it); ++it) {
    if (it->path().filename() == ".git") it.disable_recursion_pending();
    if (it->is_regular_file()) files.push_back(std::filesystem::relative(it->path(), dir).generic_string());
  }
  return files;
}

// --input NAME=VALUE, as a manual event carries them.
std::map<std::string, std::string> inputs_of(const RunFlags& flags) {
  std::map<std::string, std::string> inputs;
  for (const std::string& input : flags.inputs) {
    const auto equals = input.find('=');
    inputs[input.substr(0, equals)] = input.substr(equals + 1);
  }
  return inputs;
}

core::Event event_of(const RunFlags& flags) {
  core::Event event;
  event.name = !flags.event.empty()      ? flags.event
               : !flags.schedule.empty() ? "cron"
               : !flags.inputs.empty()   ? "manual"
               : !flags.tag.empty()      ? "tag"
                                         : "push";
  event.schedule = flags.schedule;
  event.branch = flags.branch;
  if (event.branch.empty() && event.name != "tag") {
    event.branch = git_line(flags.dir, "symbolic-ref --short HEAD");
    if (event.branch.empty()) event.branch = "main";
  }
  event.tag = flags.tag;
  event.target_branch = flags.target_branch;
  event.sha = git_line(flags.dir, "rev-parse HEAD");
  event.changed_paths = flags.changed_given ? flags.changed : default_changed_paths(flags.dir);
  event.inputs = inputs_of(flags);
  return event;
}

std::string describe(const core::Event& event) {
  if (event.name == "tag") return "tag " + event.tag;
  if (event.name == "pull_request")
    return "pull_request from " + event.branch + " into " + event.target_branch;
  std::string inputs;
  for (const auto& [name, value] : event.inputs) inputs += (inputs.empty() ? " with " : ", ") + name + "=" + value;
  if (event.name == "cron") return "cron (schedule " + event.schedule + ") on " + event.branch;
  return event.name + " to " + event.branch + inputs;
}

core::Repository repository_of(const std::string& dir) {
  auto name = std::filesystem::weakly_canonical(std::filesystem::absolute(dir)).filename().string();
  return core::Repository{"local", name, ""};
}

// The cache scopes of a local run: its own (the branch's, a pull request's
// own, a tag's) and the one read after it (the pull request's target, else
// the repository's default branch), each within the repository's folder.
std::pair<std::string, std::string> cache_scopes(const RunFlags& flags, const core::Event& event) {
  const std::string repository = std::filesystem::weakly_canonical(std::filesystem::absolute(flags.dir)).string() + "@";
  std::string fallback = event.target_branch;
  if (fallback.empty()) {
    fallback = git_line(flags.dir, "symbolic-ref --short refs/remotes/origin/HEAD");
    fallback = fallback.empty() ? "main" : fallback.substr(fallback.find('/') + 1);
  }
  const std::string own = event.name == "tag"            ? "tag:" + event.tag
                          : event.name == "pull_request" ? "pr:" + event.branch
                                                         : event.branch;
  return {repository + own, repository + fallback};
}

// A folder for this run's artifacts below the cache folder: artifacts/YYYYmmdd-HHMMSS-PID.
std::filesystem::path new_artifacts_dir(const std::filesystem::path& cache_dir) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return cache_dir / "artifacts" / (std::string{stamp} + "-" + std::to_string(getpid()));
}

bool uses_files(const core::Plan& plan) {
  for (const core::PipelineSpec& pipeline : plan.pipelines)
    for (const core::StageSpec& stage : pipeline.stages)
      for (const core::ExecutionSpec& execution : stage.executions)
        if (!execution.caches.empty() || !execution.artifacts.empty()) return true;
  return false;
}

// Where a local run's executions work: each in a copy of a snapshot of DIR,
// all in a temporary folder removed when the run ends.
class RunFolder {
 public:
  RunFolder() = default;
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;
  ~RunFolder() {
    if (!root_.empty()) runner::remove_tree(root_);
  }

  // The snapshot: in a git work tree, the files git shows there (tracked ones
  // as they are now, and untracked ones it does not ignore), without .git or
  // what .gitignore leaves out (build output); elsewhere every file. False
  // with `error` when it cannot be made.
  bool make(const std::string& dir, std::string& error) {
    std::string pattern = (std::filesystem::temp_directory_path() / "factory-run-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      error = "cannot create a folder in " + std::filesystem::temp_directory_path().string() + ": " +
              std::strerror(errno);
      return false;
    }
    root_ = pattern;
    bool in_git = false;
    const auto files = git_items(dir, "ls-files -z --cached --others --exclude-standard", '\0', in_git);
    if (!in_git) return runner::copy_tree(dir, snapshot(), error);
    std::filesystem::create_directory(snapshot());
    return runner::copy_paths(dir, files, snapshot(), error);
  }

  std::filesystem::path root() const { return root_; }
  std::filesystem::path snapshot() const { return root_ / "snapshot"; }

 private:
  std::filesystem::path root_;
};

runner::Options options_of(const RunFlags& flags) {
  runner::Options options;
  options.workspace = std::filesystem::absolute(flags.dir).string();
  options.jobs = std::max<std::size_t>(1, flags.jobs);
  if (flags.unsandboxed) {
    // On the developer's own machine, at their word: all of their environment.
    options.isolation = runner::Isolation::None;
    for (char** entry = environ; *entry; ++entry) {
      std::string text = *entry;
      auto equals = text.find('=');
      if (equals != std::string::npos) options.base_env[text.substr(0, equals)] = text.substr(equals + 1);
    }
  } else {
    options.base_env = runner::allowed_host_environment();
  }
  options.base_env["CI"] = "true";
  using Runtime = runner::ContainerOptions::Runtime;
  const std::map<std::string, Runtime> runtimes{
      {"auto", Runtime::Auto}, {"podman", Runtime::Podman}, {"docker", Runtime::Docker}, {"none", Runtime::None}};
  options.containers.runtime = runtimes.at(flags.container_runtime);
  return options;
}

int exit_code_of(const runner::RunResult& result) {
  switch (result.status) {
    case core::Status::Success: return 0;
    case core::Status::Cancelled: return 130;
    default: return 1;
  }
}

int run(const RunFlags& flags) {
  hcl::Diagnostics diags;
  hcl::Budget budget = config::planning_budget();
  auto configuration = config::load(flags.dir, diags, budget);
  if (!diags.empty()) std::cerr << hcl::render(diags, isatty(STDERR_FILENO));
  if (!configuration) return 2;
  auto event = event_of(flags);
  hcl::Diagnostics plan_diags;
  auto plan = config::plan(*configuration, event, repository_of(flags.dir), plan_diags, budget, flags.dir);
  if (!plan_diags.empty()) std::cerr << hcl::render(plan_diags, isatty(STDERR_FILENO));
  if (plan_diags.has_errors()) return 2;
  // With --json, stdout holds only the JSON; the progress goes to stderr.
  std::FILE* progress = flags.json ? stderr : stdout;
  if (plan.pipelines.empty()) {
    std::fprintf(progress, "no pipeline matched the event (%s): nothing to run\n", describe(event).c_str());
    for (const core::SkippedPipeline& skipped : plan.skipped)
      std::fprintf(progress, "  %s skipped: %s\n", skipped.name.c_str(), skipped.reason.c_str());
    if (flags.json) std::cout << run_json(plan, runner::RunResult{core::Status::Success, {}, {}, {}}) << "\n";
    return 0;
  }
  std::fprintf(progress, "running %zu pipeline%s for %s\n", plan.pipelines.size(),
               plan.pipelines.size() == 1 ? "" : "s", describe(event).c_str());
  runner::Options options = options_of(flags);
  RunFolder folder;
  if (!flags.in_place) {
    std::string error;
    if (!folder.make(flags.dir, error)) {
      std::cerr << "factory run: cannot copy " << flags.dir << " for the executions' workspaces: " << error
                << " (--in-place runs them in " << flags.dir << " itself)\n";
      return 2;
    }
    options.workspace = folder.snapshot().string();
    options.workspaces = folder.root().string();
  }
  std::unique_ptr<localfiles::LocalFiles> kept_files;
  std::optional<runner::ExecutionFiles> files;
  if (uses_files(plan) && flags.in_place) {
    std::fprintf(progress, "caches and artifacts are not used with --in-place\n");
  } else if (uses_files(plan)) {
    auto [scope, default_scope] = cache_scopes(flags, event);
    const std::filesystem::path cache_dir =
        flags.cache_dir.empty() ? localfiles::default_cache_dir() : std::filesystem::path{flags.cache_dir};
    auto opened = localfiles::LocalFiles::open(
        {cache_dir, scope, default_scope, !flags.no_cache, localfiles::LocalFilesOptions{}.limit_bytes,
         flags.artifacts_dir.empty() ? new_artifacts_dir(cache_dir) : std::filesystem::path{flags.artifacts_dir}},
        plan);
    if (!opened) {
      std::cerr << "factory run: cannot use " << cache_dir.string() << " for caches and artifacts: "
                << opened.error().message << " (--cache-dir names another folder)\n";
      return 2;
    }
    kept_files = std::move(*opened);
    std::filesystem::create_directory(folder.root() / "files");
    files.emplace(*kept_files, folder.root() / "files");
    options.files = &*files;
  }
  auto view = make_run_view(plan, progress, isatty(fileno(progress)));
  runner::CancelHandle cancel;
  runner::RunResult result;
  {
    CancelOnStopSignals signals(cancel);
    result = runner::run_plan(plan, options, *view, cancel);
  }
  view->finish();
  std::fprintf(progress, "%s", run_summary(plan, result, *view).c_str());
  if (cancel.cancelled()) std::fprintf(progress, "cancelled: every execution was stopped\n");
  if (kept_files && kept_files->artifacts_kept() > 0)
    std::fprintf(progress, "artifacts: %zu file%s kept in %s\n", kept_files->artifacts_kept(),
                 kept_files->artifacts_kept() == 1 ? "" : "s",
                 kept_files->artifacts_dir().c_str());
  std::fflush(progress);
  if (flags.json) std::cout << run_json(plan, result) << "\n";
  return exit_code_of(result);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Run the pipelines of DIR/.factory on this machine for a simulated event");
  auto flags = std::make_shared<RunFlags>();
  cmd->add_option("DIR", flags->dir,
                  "Repository to run (default: .); each execution runs in a copy of its files as they are now");
  cmd->add_option("--event", flags->event,
                  "push, pull_request, tag, manual or cron (default: push, tag with --tag, cron with --schedule)")
      ->check(CLI::IsMember({"push", "pull_request", "tag", "manual", "cron"}));
  cmd->add_option("--schedule", flags->schedule, "The schedule whose slot a cron event is (implies --event cron)");
  cmd->add_option("--branch", flags->branch, "Branch pushed, or a pull request's source (default: DIR's git branch)");
  cmd->add_option("--tag", flags->tag, "Tag pushed");
  cmd->add_option("--target-branch", flags->target_branch, "Branch a pull request merges into");
  auto* changed = cmd->add_option("--changed", flags->changed,
                                  "Changed paths (default: files of the last commit; without git, all files)");
  cmd->add_option("--input", flags->inputs,
                  "An input of a manual run, NAME=VALUE (repeat for each; implies --event manual); inputs not "
                  "given take their defaults")
      ->check([](const std::string& input) {
        return input.find('=') == std::string::npos || input.front() == '='
                   ? "--input takes NAME=VALUE, e.g. --input environment=production"
                   : std::string();
      });
  cmd->add_option("--jobs,-j", flags->jobs, "Executions running at the same time")->check(CLI::PositiveNumber);
  cmd->add_option("--container-runtime", flags->container_runtime, "auto, podman, docker or none")
      ->check(CLI::IsMember({"auto", "podman", "docker", "none"}));
  cmd->add_flag("--json", flags->json, "Print the result tree as JSON on stdout");
  cmd->add_flag("--in-place", flags->in_place,
                "Run the executions in DIR itself, all sharing it (and writing into it), instead of in copies");
  cmd->add_flag("--no-cache", flags->no_cache,
                "Restore no cache and save none (artifacts are still kept)");
  cmd->add_option("--cache-dir", flags->cache_dir,
                  "Folder of the caches (default: $XDG_CACHE_HOME/factory, or ~/.cache/factory)");
  cmd->add_option("--artifacts-dir", flags->artifacts_dir,
                  "Folder the artifacts go to, below PIPELINE/STAGE/EXECUTION/ (default: a new folder of the "
                  "cache folder's artifacts/)");
  cmd->add_flag("--unsandboxed", flags->unsandboxed,
                "Run executions as plain processes with this shell's whole environment, not in the bubblewrap "
                "sandbox agents use (docs/runner.md#sandbox)");
  cmd->callback([&exit_code, changed, flags] {
    if (!flags->event.empty() && flags->schedule.empty() == (flags->event == "cron")) {
      std::fprintf(stderr, "factory run: a cron event needs --schedule NAME, and --schedule only a cron event\n");
      exit_code = 2;
      return;
    }
    if (!flags->inputs.empty() && !flags->event.empty() && flags->event != "manual")
      throw CLI::ValidationError("--input", "inputs are given to manual runs; other events take the inputs' "
                                            "defaults (drop --event " + flags->event + ")");
    flags->changed_given = changed->count() > 0;
    exit_code = run(*flags);
  });
}

}  // namespace cli
