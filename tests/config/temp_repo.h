// A repository in a fresh temporary directory with the given .factory files,
// removed again when the test ends.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/config.h"
#include "temp_dir.h"

namespace config::testing {

using Files = std::map<std::string, std::string>;  // file name → text

// A repository whose .factory/ holds `files`.
class TempRepo {
 public:
  explicit TempRepo(const Files& files) : dir_("factory-config") {
    std::filesystem::create_directories(root() / ".factory");
    for (const auto& [name, text] : files) std::ofstream(root() / ".factory" / name) << text;
  }
  const std::filesystem::path& root() const { return dir_.path(); }

 private:
  testpaths::TempDir dir_;
};

// Loads the files as a configuration; `errors` gets the rendered diagnostics.
inline std::optional<Configuration> load_files(const Files& files, std::string& errors) {
  TempRepo repo(files);
  hcl::Diagnostics diags;
  auto cfg = load(repo.root(), diags);
  errors = hcl::render(diags);
  return cfg;
}

// The rendered errors of a .factory/ci.hcl holding `text`, which must not load.
inline std::string errors_of(const std::string& text) {
  std::string errors;
  EXPECT_FALSE(load_files({{"ci.hcl", text}}, errors)) << "no error for:\n" << text;
  return errors;
}

}  // namespace config::testing
