#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "config/config.h"

namespace cli {

namespace {

std::string count(size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string summary(const config::Configuration& cfg) {
  size_t stages = 0;
  size_t executions = 0;
  for (const auto& pipeline : cfg.pipelines) {
    stages += pipeline.stages.size();
    for (const auto& stage : pipeline.stages) executions += stage.executions.size();
  }
  return "ok: " + count(cfg.pipelines.size(), "pipeline") + ", " + count(stages, "stage") + ", " +
         count(executions, "execution") + " in " + count(cfg.files->files.size(), "file");
}

}  // namespace

void add_lint_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("lint", "Check the syntax and schema of DIR/.factory/*.hcl");
  auto dir = std::make_shared<std::string>(".");
  cmd->add_option("DIR", *dir, "Repository whose .factory/ directory is checked (default: .)");
  cmd->callback([&exit_code, dir] {
    hcl::Diagnostics diags;
    hcl::Budget budget = config::planning_budget();
    auto cfg = config::load(*dir, diags, budget);
    if (!diags.empty()) std::cerr << hcl::render(diags, isatty(STDERR_FILENO));
    if (!cfg) {
      exit_code = 1;
      return;
    }
    std::cout << summary(*cfg) << "\n";
  });
}

}  // namespace cli
