// The shape of `.factory/*.hcl`: which blocks and attributes exist where.
//
// decode_schema() walks the merged files and builds a Configuration whose
// expressions are not evaluated yet. It reports unknown blocks and
// attributes (with a "did you mean"), missing or extra labels, duplicate
// names (naming both places, across files), a missing `run`, empty stages
// and pipelines without stages; of services, both or neither of image and
// run, a name that is no host name, a ready block with nothing or two things
// to check; of caches, a missing key or paths and a name that is not a
// plain name; artifacts_when without artifacts. Types are checked later, on
// evaluation.
#pragma once

#include <memory>

#include "config/config.h"

namespace config {

Configuration decode_schema(std::shared_ptr<const hcl::FileSet> files, hcl::Diagnostics& diags);

}  // namespace config
