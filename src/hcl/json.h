// HCL → JSON in the shape of the widely used `hcl2json` tool: attribute values
// that are literals become JSON values, any other expression becomes the
// string "${<its source text>}", and blocks nest by type, then by each label,
// the last level being an array of bodies.
#pragma once

#include <string>

#include "hcl/parser.h"

namespace hcl {

// Pretty-printed JSON (two-space indent, keys sorted), without a final newline.
std::string to_hcl2json(const File& file);

}  // namespace hcl
