// An HCL file of server settings: top-level attributes only, each a string
// (numbers are read as their text), evaluated with `env.NAME` giving the
// environment, so secrets can stay out of the file:
//   listen   = "0.0.0.0:8080"
//   database = "postgres://ci:${env.DB_PASSWORD}@db:5432/factory"
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "hcl/diagnostics.h"

namespace server {

struct FileValue {
  std::string text;
  hcl::Range range;  // the value's expression, for messages about it
};

using FileValues = std::map<std::string, FileValue, std::less<>>;

// The attributes of the file at `path`. An attribute not in `known`, a block,
// a value that is not a string or number and every syntax or evaluation error
// go to `diags`; a null value counts as absent.
FileValues read_config_file(const std::filesystem::path& path, std::span<const std::string_view> known,
                            hcl::Diagnostics& diags);

}  // namespace server
