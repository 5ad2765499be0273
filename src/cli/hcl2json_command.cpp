#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "hcl/json.h"
#include "hcl/parser.h"

namespace cli {

void add_hcl2json_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("hcl2json", "Print HCL files as JSON (the shape of the hcl2json tool)");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("FILE", *files, "HCL files to convert")->required()->check(CLI::ExistingFile);
  cmd->callback([&exit_code, files] {
    bool color = isatty(STDERR_FILENO);
    for (const auto& path : *files) {
      hcl::Diagnostics diags;
      hcl::File file = hcl::parse_file(path, diags);
      if (!diags.empty()) std::cerr << hcl::render(diags, color);
      if (diags.has_errors()) {
        exit_code = 1;
        continue;
      }
      std::cout << hcl::to_hcl2json(file) << "\n";
    }
  });
}

}  // namespace cli
