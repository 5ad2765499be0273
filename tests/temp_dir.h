// A fresh directory under the system's temp dir, removed with everything in
// it when the object goes away. Tests use one each, so they can run at once.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace testpaths {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "factory-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The text of a file in the directory ("" when there is none).
  std::string read(const std::string& name) const {
    std::ifstream file(path_ / name);
    return std::string(std::istreambuf_iterator<char>(file), {});
  }

 private:
  std::filesystem::path path_;
};

}  // namespace testpaths
