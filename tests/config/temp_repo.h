// A repository in a fresh temporary directory with the given .factory files,
// removed again when the test ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/config.h"

namespace config::testing {

using Files = std::map<std::string, std::string>;  // file name → text

class TempRepo {
 public:
  explicit TempRepo(const Files& files) {
    std::string pattern = (std::filesystem::temp_directory_path() / "factory-config-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    std::filesystem::create_directories(root_ / ".factory");
    for (const auto& [name, text] : files) std::ofstream(root_ / ".factory" / name) << text;
  }
  ~TempRepo() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  TempRepo(const TempRepo&) = delete;
  TempRepo& operator=(const TempRepo&) = delete;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

// Loads the files as a configuration; `errors` gets the rendered diagnostics.
inline std::optional<Configuration> load_files(const Files& files, std::string& errors) {
  TempRepo repo(files);
  hcl::Diagnostics diags;
  auto cfg = load(repo.root(), diags);
  errors = hcl::render(diags);
  return cfg;
}

}  // namespace config::testing
